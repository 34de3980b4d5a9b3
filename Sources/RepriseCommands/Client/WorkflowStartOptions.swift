import ArgumentParser
import Foundation
import Store
import Workflow

extension WorkflowIdReusePolicy: ExpressibleByArgument {}
extension WorkflowIdConflictPolicy: ExpressibleByArgument {}

extension WorkflowCommand {
    /// The start options shared by `start` and `execute`.
    struct StartOptions: ParsableArguments {
        @Option(help: "The workflow type.")
        var type: String

        @Option(help: "The workflow id; a new UUID by default.")
        var workflowId: String?

        @Option(help: "The input, as JSON.")
        var input: String?

        @Option(help: "A file holding the input JSON.")
        var inputFile: String?

        @Option(help: "The task queue; the server's default (main) when not given.")
        var taskQueue: String?

        @Option(help: "A request id: repeating the start with it answers the first start's run, never a second run.")
        var requestId: String?

        @Option(help: "When a closed run has this id: AllowDuplicate (default), AllowDuplicateFailedOnly or RejectDuplicate.")
        var idReusePolicy: WorkflowIdReusePolicy?

        @Option(help: "When an open run has this id: Fail (default), UseExisting or TerminateExisting.")
        var idConflictPolicy: WorkflowIdConflictPolicy?

        @Option(help: "How long the run may take, all its continue-as-new runs included: seconds, or 30s, 5m, 2h, 7d.", transform: Self.duration)
        var executionTimeout: Double?

        @Option(help: "A memo: a JSON object stored with the run and shown by describe.", transform: Self.memo)
        var memo: JSONValue?

        @Option(
            help: "A search attribute, key=value (repeatable); the value is read as JSON when it parses (42, true, \"x\"), else as a string.",
            transform: Self.searchAttribute)
        var searchAttribute: [SearchAttribute] = []

        /// One `--search-attribute`.
        struct SearchAttribute {
            var key: String
            var value: JSONValue
        }

        func body() throws -> (String, String) {
            let id = workflowId ?? UUID().uuidString.lowercased()
            var object: [String: JSONValue] = ["workflowId": .string(id), "type": .string(type)]
            if let taskQueue { object["taskQueue"] = .string(taskQueue) }
            if let requestId { object["requestId"] = .string(requestId) }
            object["input"] = try jsonOption(input, file: inputFile, name: "--input")
            if let idReusePolicy { object["idReusePolicy"] = .string(idReusePolicy.rawValue) }
            if let idConflictPolicy { object["idConflictPolicy"] = .string(idConflictPolicy.rawValue) }
            if let executionTimeout { object["executionTimeout"] = .double(executionTimeout) }
            if let memo { object["memo"] = memo }
            if !searchAttribute.isEmpty {
                var attributes: [String: JSONValue] = [:]
                for attribute in searchAttribute {
                    guard attributes.updateValue(attribute.value, forKey: attribute.key) == nil else {
                        throw ValidationError("--search-attribute \(attribute.key) is given twice")
                    }
                }
                object["searchAttributes"] = .object(attributes)
            }
            return (id, JSONValue.object(object).compactDescription)
        }

        /// A positive duration up to Reprise's longest, in seconds.
        static func duration(_ text: String) throws -> Double {
            guard let seconds = Duration.parseSeconds(text), seconds > 0, seconds <= Duration.maximumAccepted.seconds else {
                throw ValidationError("a duration is positive seconds (3600) or a number with ms, s, m, h or d (500ms, 30s, 5m, 2h, 7d), up to 100 years")
            }
            return seconds
        }

        static func memo(_ text: String) throws -> JSONValue {
            let value = try parseJSON(text, option: "--memo")
            guard case .object = value else { throw ValidationError("--memo must be a JSON object") }
            return value
        }

        static func searchAttribute(_ text: String) throws -> SearchAttribute {
            guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
                throw ValidationError("a search attribute is key=value, with a non-empty key")
            }
            let raw = String(text[text.index(after: equals)...])
            let value = (try? JSONDecoder().decode(JSONValue.self, from: Data(raw.utf8))) ?? .string(raw)
            return SearchAttribute(key: String(text[..<equals]), value: value)
        }
    }
}
