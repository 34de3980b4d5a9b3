import Foundation
import Hummingbird

extension APIServer {
    /// A path parameter, percent-decoded. Clients encode the ids they put in a path (`a b` is
    /// sent as `a%20b`, `/` as `%2F`), and the router hands each segment over as it was sent, so
    /// without this a workflow id that needs escaping could be started but never named again.
    ///
    /// - Throws: a 400 when the segment is not valid percent-encoding of UTF-8.
    static func pathParameter(_ name: String, in context: BasicRequestContext) throws -> String {
        let raw = try context.parameters.require(name)
        guard let decoded = raw.removingPercentEncoding else {
            throw APIError.badRequest("the path's \(name) \"\(raw.prefix(80))\" is not valid percent-encoding")
        }
        return decoded
    }
}
