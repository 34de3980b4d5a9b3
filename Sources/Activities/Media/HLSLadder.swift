/// One rung of an adaptive-bitrate ladder.
public struct HLSRung: Codable, Sendable, Hashable {
    /// The name, also the rung's directory: `720p`.
    public var name: String
    public var height: Int
    /// The video bitrate in bits per second.
    public var videoBitrate: Int

    public init(name: String, height: Int, videoBitrate: Int) {
        self.name = name
        self.height = height
        self.videoBitrate = videoBitrate
    }

    /// 360p to 1080p at the usual HLS authoring bitrates (Apple's authoring spec ballpark, H.264).
    public static let defaultLadder: [HLSRung] = [
        HLSRung(name: "360p", height: 360, videoBitrate: 800_000),
        HLSRung(name: "480p", height: 480, videoBitrate: 1_400_000),
        HLSRung(name: "720p", height: 720, videoBitrate: 2_800_000),
        HLSRung(name: "1080p", height: 1080, videoBitrate: 5_000_000),
    ]

    /// The rungs that do not upscale a source of this height, lowest first. A source smaller than
    /// the lowest rung still gets that one rung, at its own height rounded down to even.
    public static func rungs(for sourceHeight: Int, from ladder: [HLSRung]) -> [HLSRung] {
        let sorted = ladder.sorted { $0.height < $1.height }
        let fitting = sorted.filter { $0.height <= sourceHeight }
        if !fitting.isEmpty { return fitting }
        guard var lowest = sorted.first else { return [] }
        lowest.height = max(2, sourceHeight - sourceHeight % 2)
        return [lowest]
    }

    /// The even width that keeps the source's aspect ratio at this rung's height.
    public func width(forSourceWidth width: Int, height sourceHeight: Int) -> Int {
        let exact = Double(width) * Double(height) / Double(max(sourceHeight, 1))
        let rounded = Int(exact.rounded())
        return max(2, rounded - rounded % 2)
    }
}
