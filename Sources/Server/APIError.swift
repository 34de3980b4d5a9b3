import Foundation
import Hummingbird
import Schedules
import Store
import Workflow

/// An API error: an HTTP status and the body `{"error":{"code":"…","message":"…"}}`.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String

    public init(_ status: HTTPResponse.Status, code: String, _ message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        try JSONBody.response(ErrorBody(error: .init(code: code, message: message)), status: status)
    }

    struct ErrorBody: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
        }
        var error: Detail
    }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, code: "BadRequest", message) }

    /// The API form of an error from below: store errors keep their code, with the fitting status;
    /// HTTP errors from the router keep their status; an unreachable database is a 503; anything
    /// else is a 500 without details.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case let error as StoreError where error.code == .overloaded:
            return APIError(.serviceUnavailable, code: error.code.rawValue, error.message)
        case let error as StoreError where error.code == .tooManyPendingSignals:
            return APIError(.tooManyRequests, code: error.code.rawValue, error.message)
        case let error as StoreError:
            let status: HTTPResponse.Status =
                switch error.code {
                case .workflowNotFound, .namespaceNotFound, .deadLetterNotFound, .scheduleNotFound: .notFound
                case .workflowAlreadyStarted, .scheduleExists, .workflowClosed, .deadLetterClosed, .namespaceExists, .workflowNotPaused, .staleTask:
                    .conflict
                case .invalidArgument, .invalidDatabaseURL: .badRequest
                default: .badRequest
                }
            return APIError(status, code: error.code.rawValue, error.message)
        case let error as ScheduleSpecError:
            return APIError(.badRequest, code: "InvalidScheduleSpec", "\(error.field == "spec" ? "spec" : "spec.\(error.field)"): \(error.message)")
        case let error as PayloadError:
            return .badRequest(error.message)
        case let error as HTTPError:
            switch error.status {
            case .notFound: return APIError(.notFound, code: "RouteNotFound", "no such route")
            case .methodNotAllowed: return APIError(.methodNotAllowed, code: "MethodNotAllowed", "method not allowed on this route")
            case .contentTooLarge: return APIError(.contentTooLarge, code: "PayloadTooLarge", error.body ?? "request body too large")
            default: return APIError(error.status, code: "HTTPError", error.body ?? error.status.reasonPhrase)
            }
        case let error where Store.isUnavailable(error):
            return APIError(
                .serviceUnavailable, code: "DatabaseUnavailable",
                "the database is unavailable or did not answer in time; retry. A start may have been recorded: "
                    + "retry it with the same workflowId (idConflictPolicy UseExisting returns that run)")
        default:
            return APIError(.internalServerError, code: "InternalError", "internal error; see the server log")
        }
    }
}

/// Turns every error into the JSON error body, so no client ever sees an empty 500 or an HTML page.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: @concurrent (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = APIError.from(error)
            if apiError.status == .internalServerError {
                context.logger.error("Request failed", metadata: ["error": "\(String(reflecting: error))"])
            } else if apiError.status == .serviceUnavailable {
                context.logger.warning("Request failed: the database is unavailable", metadata: ["error": "\(String(reflecting: error))"])
            }
            return try apiError.response(from: request, context: context)
        }
    }
}

/// JSON bodies, through the same coders as payloads and history.
enum JSONBody {
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let data = try JSONCoding.encoder.encode(value)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Reads and decodes a request body, refusing one over `limit` bytes.
    static func decode<T: Decodable>(_ type: T.Type, from request: inout Request, limit: Int, allowEmpty: Bool = false) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, code: "PayloadTooLarge", "the request body is larger than \(limit) bytes")
        }
        var bytes = Data(buffer: buffer)
        if bytes.isEmpty {
            guard allowEmpty else { throw APIError.badRequest("the request needs a JSON body") }
            bytes = Data("{}".utf8)
        }
        do {
            return try JSONCoding.decoder.decode(T.self, from: bytes)
        } catch let error as DecodingError {
            throw APIError.badRequest("invalid JSON body: \(Self.describe(error))")
        } catch {
            throw APIError.badRequest("invalid JSON body")
        }
    }

    /// Any JSON value as the body (a signal payload): empty means `null`.
    static func payload(from request: inout Request, limit: Int) async throws -> Payload {
        try await decode(Payload.self, from: &request, limit: limit, allowEmptyAsNull: true)
    }

    private static func decode<T: Decodable>(_ type: T.Type, from request: inout Request, limit: Int, allowEmptyAsNull: Bool) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.collectBody(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, code: "PayloadTooLarge", "the request body is larger than \(limit) bytes")
        }
        let bytes = buffer.readableBytes == 0 ? Data("null".utf8) : Data(buffer: buffer)
        do {
            return try JSONCoding.decoder.decode(T.self, from: bytes)
        } catch {
            throw APIError.badRequest("the body is not valid JSON")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ codingPath: [any CodingKey]) -> String {
            codingPath.isEmpty ? "the body" : codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
        }
        switch error {
        case .typeMismatch(let type, let context): return "\(path(context.codingPath)) must be \(type)"
        case .valueNotFound(let type, let context): return "\(path(context.codingPath)) must be \(type), not null"
        case .keyNotFound(let key, let context): return "\(path(context.codingPath + [key])) is required"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(path(context.codingPath)): \(context.debugDescription)"
        @unknown default: return "cannot be decoded"
        }
    }
}
