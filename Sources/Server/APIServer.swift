import Foundation
import Gateway
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import Store
import Workflow

/// The HTTP API: JSON routes under `/api/v1`, health, metrics and the OpenAPI document.
///
/// ## Usage
/// ```swift
/// let api = APIServer(store: store, configuration: .init(), metrics: registry, logger: logger)
/// let app = Application(router: api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 8233)))
/// ```
public struct APIServer: Sendable {
    /// How the API behaves.
    public struct Configuration: Sendable {
        /// Serve without tokens (`reprise dev` on loopback, or `reprise server --insecure`).
        public var insecure = false
        /// A token accepted as an admin token, from `REPRISE_ADMIN_TOKEN`, to bootstrap a deployment.
        /// Ignored when shorter than ``minimumAdminTokenLength`` (`reprise server` refuses to start).
        public var adminToken: String?
        /// The shortest admin token accepted: 32 characters, as long as the tokens Reprise makes
        /// carry random bytes.
        public static let minimumAdminTokenLength = 32
        /// The largest request body accepted. Default 2 MiB.
        public var maxBodySize = 2 * 1024 * 1024
        /// The task queue of a start request that names none.
        public var defaultTaskQueue = "main"
        /// How long `GET …/history?wait=true` waits for new events.
        public var historyWaitTimeout: Duration = .seconds(20)
        /// How long one database call made for a request may take before it is abandoned and the
        /// request answered 503: a connection that Postgres dropped mid-query can otherwise hang it.
        public var databaseCallTimeout: Duration = defaultDatabaseCallTimeout
        /// How long `/readyz` waits for the database before it answers 503: a probe that hangs
        /// while Postgres is away would never report the process unready. Three seconds: one was
        /// exceeded by a healthy database under the test suite's load.
        public var readinessTimeout: Duration = .seconds(3)
        /// How long a connection may stay silent before it is closed: between requests, and while
        /// a request's head or body is being sent (so a client that trickles its headers is cut
        /// off). A long-poll that the server holds is not silence.
        public var idleTimeout: Duration = .seconds(30)
        /// The lengths, sizes and counts accepted from requests.
        public var limits = Limits()
        /// Serve only loopback clients that are not a web page: `reprise dev`. Every request must
        /// name a loopback `Host`, carry no foreign `Origin`, and a write must be
        /// `application/json`, so that neither a cross-site request nor DNS rebinding from a page
        /// the developer has open can reach the API.
        public var loopbackOnly = false
        /// Answer `GET /` with a redirect to the console at `/ui/` (`reprise dev`).
        public var redirectRootToConsole = false
        /// How long a query waits for a worker's answer before it is answered 504 `QueryTimedOut`.
        public var queryTimeout: Duration = .seconds(5)
        /// How long an update request waits for the handler to end before it answers the stage
        /// reached (`accepted`).
        public var updateWaitTimeout: Duration = .seconds(20)
        /// Signed webhooks that become signals (docs/webhooks.md); nil serves none.
        public var webhooks: WebhookConfiguration?
        /// How often the server reloads which workflow types live workers serve, which a start and
        /// `describe` check for their warning (docs/workers.md).
        public var liveWorkersRefresh: Duration = .seconds(1)

        public init(insecure: Bool = false, adminToken: String? = nil) {
            self.insecure = insecure
            self.adminToken = adminToken
        }
    }

    let store: Store
    let clock: any EngineClock
    let configuration: Configuration
    let metrics: PrometheusCollectorRegistry
    let gateway: Gateway?
    let logger: Logger
    let historyWatch: HistoryWatch
    let queryWatch = QueryWatch()
    let starter: any WorkflowStarter
    let liveWorkers = LiveWorkers()

    /// - Parameter starter: what starts runs: by default the store; a worker in the same process
    ///   runs the first workflow task of its queue's runs inside their start.
    public init(
        store: Store, clock: any EngineClock = SystemClock(), configuration: Configuration, metrics: PrometheusCollectorRegistry,
        gateway: Gateway? = nil, starter: (any WorkflowStarter)? = nil, logger: Logger
    ) {
        self.store = store
        self.starter = starter ?? store
        self.gateway = gateway
        self.clock = clock
        self.configuration = configuration
        self.historyWatch = HistoryWatch(capacity: configuration.limits.maxConcurrentLongPolls)
        self.metrics = metrics
        self.logger = logger
    }

    /// The router with every route.
    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        // Outside the error middleware, so that they see the status a thrown error is answered
        // with (and a path no route matches): every request is counted and traced.
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: TracingMiddleware())
        router.add(middleware: JSONErrorMiddleware())
        if configuration.loopbackOnly { router.add(middleware: LoopbackOnlyMiddleware()) }
        addOperationalRoutes(to: router)
        addWorkflowRoutes(to: router)
        addQueryRoutes(to: router)
        addUpdateRoutes(to: router)
        addSignalWithStartRoutes(to: router)
        addWebhookRoutes(to: router)
        addScheduleRoutes(to: router)
        addDeadLetterRoutes(to: router)
        addAdminRoutes(to: router)
        addWorkerRoutes(to: router)
        addLLMRoutes(to: router)
        addBudgetRoutes(to: router)
        addSessionRoutes(to: router)
        addUIRoutes(to: router)
        return router
    }

    /// What the routes need running beside them: the watch that wakes history long-polls when their
    /// run closes or grows (without it they still answer, by polling once a second), and the
    /// refresh of the live workers' types (without it no start is warned about).
    public var services: [any Service] {
        [
            historyWatch.service(store: store, databaseCallTimeout: configuration.databaseCallTimeout, logger: logger),
            liveWorkers.service(store: store, interval: configuration.liveWorkersRefresh, timeout: configuration.databaseCallTimeout, logger: logger),
            queryWatch.service(store: store, logger: logger),
        ]
    }

    /// The application serving the router on `host:port`, with ``services``.
    public func application(host: String, port: Int) -> some ApplicationProtocol {
        Application(
            router: router(), server: .http1(configuration: .init(idleTimeout: .nanoseconds(Int64(configuration.idleTimeout.seconds * 1e9)))),
            configuration: .init(address: .hostname(host, port: port)), services: services, logger: logger)
    }

    private func addOperationalRoutes(to router: Router<BasicRequestContext>) {
        router.get("/healthz") { _, _ in try JSONBody.response(["status": "ok"]) }
        router.get("/readyz") { _, _ in
            guard await databaseIsReady() else {
                throw APIError(.serviceUnavailable, code: "DatabaseUnavailable", "the database is not reachable")
            }
            return try JSONBody.response(["status": "ready"])
        }
        router.get("/metrics") { request, _ in
            // Series span every namespace, so only a metrics or admin token reads them.
            try await authorize(request, namespace: nil, needs: .metrics)
            var buffer: [UInt8] = []
            metrics.emit(into: &buffer)
            return Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
        }
        router.get("/openapi.json") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/json"],
                body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.json)))
        }
    }
}
