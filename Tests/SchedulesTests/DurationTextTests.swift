import Foundation
import Schedules
import Testing
import Workflow

/// The one parser of duration text, which schedules, the API's `executionTimeout` and the
/// configuration's durations share.
@Suite struct DurationTextTests {
    @Test func secondsOrANumberWithAUnit() {
        #expect(Duration.parseSeconds("30") == 30)
        #expect(Duration.parseSeconds("1.5") == 1.5)
        #expect(Duration.parseSeconds("30s") == 30)
        #expect(Duration.parseSeconds("5m") == 300)
        #expect(Duration.parseSeconds("2h") == 7200)
        #expect(Duration.parseSeconds("7d") == 604_800)
        #expect(Duration.parseSeconds("500ms") == 0.5)
    }

    @Test func anythingElseIsNotADuration() {
        for text in ["", "s", "5x", "5 m", "five", "inf", "nan", "1e400", "1e305d", "ms", "5 ms", "5sm"] {
            #expect(Duration.parseSeconds(text) == nil, "\(text)")
        }
    }

    @Test func aScheduleDurationDecodesFromEitherForm() throws {
        let decoded = try JSONDecoder().decode([ScheduleDuration].self, from: Data(#"[90, "90s", "1.5m"]"#.utf8))
        #expect(decoded.map(\.seconds) == [90, 90, 90])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ScheduleDuration].self, from: Data(#"["soon"]"#.utf8)) }
    }
}
