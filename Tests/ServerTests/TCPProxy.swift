import NIOCore
import NIOPosix
import Synchronization

/// A TCP proxy on loopback between a Store and Postgres, which a test can turn into a black hole:
/// the sockets stay open and nothing is forwarded, the way a network partition or a hung server
/// looks to a client. ``restore()`` ends the partition as TCP sees it: the held connections are
/// reset and new ones forwarded again.
final class TCPProxy: Sendable {
    private struct State {
        var blackholed = false
        var held: [any Channel] = []
        var accepted = 0
    }

    private let state = Mutex(State())
    private let server = Mutex<(any Channel)?>(nil)
    /// The port the proxy listens on.
    var port: Int { server.withLock { $0?.localAddress?.port } ?? 0 }

    private init() {}

    /// Listens on an ephemeral loopback port and forwards each connection to `host:port`.
    static func start(to host: String, port upstreamPort: Int) async throws -> TCPProxy {
        let proxy = TCPProxy()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.autoRead, value: false)
            .childChannelInitializer { inbound in proxy.accept(inbound, upstream: (host, upstreamPort)) }
            .bind(host: "127.0.0.1", port: 0).get()
        proxy.server.withLock { $0 = channel }
        return proxy
    }

    /// How many connections the proxy has accepted so far: each is a connection attempt.
    var accepted: Int { state.withLock { $0.accepted } }

    /// Stops forwarding: open connections stay open and silent, new ones are accepted and held.
    func blackhole() { state.withLock { $0.blackholed = true } }

    /// Resets every connection held or opened so far and forwards new ones again.
    func restore() {
        let held = state.withLock { state in
            state.blackholed = false
            defer { state.held = [] }
            return state.held
        }
        for channel in held { channel.close(promise: nil) }
    }

    var isBlackholed: Bool { state.withLock { $0.blackholed } }

    func close() async {
        restore()
        try? await server.withLock { $0 }?.close()
    }

    private func accept(_ inbound: any Channel, upstream: (host: String, port: Int)) -> EventLoopFuture<Void> {
        let blackholed = state.withLock { state in
            state.accepted += 1
            state.held.append(inbound)
            return state.blackholed
        }
        // A connection made during the black hole is held, never answered.
        guard !blackholed else { return inbound.eventLoop.makeSucceededVoidFuture() }
        return ClientBootstrap(group: inbound.eventLoop).connect(host: upstream.host, port: upstream.port).flatMap { outbound in
            self.state.withLock { $0.held.append(outbound) }
            return outbound.pipeline.addHandler(Forward(to: inbound, proxy: self))
                .flatMap { inbound.pipeline.addHandler(Forward(to: outbound, proxy: self)) }
                .flatMap { inbound.setOption(ChannelOptions.autoRead, value: true) }
        }
    }

    /// Copies what one side reads to the other, unless the proxy is a black hole.
    private final class Forward: ChannelInboundHandler, Sendable {
        typealias InboundIn = ByteBuffer
        let partner: any Channel
        let proxy: TCPProxy

        init(to partner: any Channel, proxy: TCPProxy) {
            self.partner = partner
            self.proxy = proxy
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard !proxy.isBlackholed else { return }
            partner.writeAndFlush(unwrapInboundIn(data), promise: nil)
        }

        func channelInactive(context: ChannelHandlerContext) {
            partner.close(promise: nil)
            context.fireChannelInactive()
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            context.close(promise: nil)
        }
    }
}
