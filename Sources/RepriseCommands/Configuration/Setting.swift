import Foundation
import Workflow

/// One configuration key of a process: its dotted name (`worker.activitySlots`), how its value is
/// written, its default, whether it is secret, and where in the process's configuration it goes.
///
/// The key names the value everywhere: a file nests it (`worker: {activitySlots: 8}`), the
/// environment spells it `REPRISE_WORKER_ACTIVITY_SLOTS`, and `--set worker.activitySlots=8` gives
/// it on the command line. Adding a knob is one line in a process's table (see
/// ``ServerConfiguration/settings``), e.g.
/// `.int("worker.activitySlots", \.worker.maxConcurrentActivities, in: 1...10_000, "Activity attempts in flight at once.")`.
struct Setting<Root> {
    /// The dotted key, camelCase within each part.
    let key: String
    /// What the value must look like, for `--print-config` and docs/configuration.md.
    let form: String
    /// Shown as `<redacted>`, and marked secret to swift-configuration.
    let secret: Bool
    /// What the key sets.
    let help: String
    /// The value in `root`, as text; nil when unset.
    let render: (Root) -> String?
    /// Parses `text` and sets it in `root`; the error names the key.
    let apply: (inout Root, String) throws -> Void

    /// The environment variable that gives the key: `REPRISE_` and the key in upper snake case.
    var environmentName: String { "REPRISE_" + Self.environmentSpelling(of: key) }

    /// `worker.activitySlots` → `WORKER_ACTIVITY_SLOTS`, as swift-configuration's environment
    /// provider spells a key.
    static func environmentSpelling(of key: String) -> String {
        var result = ""
        for character in key {
            if character.isUppercase, let last = result.last, last != "_" { result.append("_") }
            result.append(character.isLetter || character.isNumber ? Character(character.uppercased()) : "_")
        }
        return result
    }

    /// The same setting on a larger configuration that holds this one at `path`.
    func scoped<Outer>(_ path: WritableKeyPath<Outer, Root>) -> Setting<Outer> {
        let render = self.render, apply = self.apply
        return Setting<Outer>(
            key: key, form: form, secret: secret, help: help, render: { render($0[keyPath: path]) },
            apply: { outer, text in try apply(&outer[keyPath: path], text) })
    }
}

extension Setting {
    static func int(_ key: String, _ path: WritableKeyPath<Root, Int>, in range: ClosedRange<Int>, _ help: String) -> Setting {
        Setting(
            key: key, form: "integer \(range.lowerBound)…\(range.upperBound)", secret: false, help: help, render: { "\($0[keyPath: path])" },
            apply: { $0[keyPath: path] = try SettingValue.int($1, key: key, in: range) })
    }

    static func int64(_ key: String, _ path: WritableKeyPath<Root, Int64>, in range: ClosedRange<Int>, _ help: String) -> Setting {
        Setting(
            key: key, form: "integer \(range.lowerBound)…\(range.upperBound)", secret: false, help: help, render: { "\($0[keyPath: path])" },
            apply: { $0[keyPath: path] = Int64(try SettingValue.int($1, key: key, in: range)) })
    }

    static func bool(_ key: String, _ path: WritableKeyPath<Root, Bool>, _ help: String) -> Setting {
        Setting(
            key: key, form: "true or false", secret: false, help: help, render: { "\($0[keyPath: path])" },
            apply: { $0[keyPath: path] = try SettingValue.bool($1, key: key) })
    }

    static func duration(_ key: String, _ path: WritableKeyPath<Root, Duration>, in range: ClosedRange<Duration>, _ help: String) -> Setting {
        Setting(
            key: key, form: "duration \(SettingValue.render(range.lowerBound))…\(SettingValue.render(range.upperBound))", secret: false, help: help,
            render: { SettingValue.render($0[keyPath: path]) },
            apply: { $0[keyPath: path] = try SettingValue.duration($1, key: key, in: range) })
    }

    static func size(_ key: String, _ path: WritableKeyPath<Root, Int>, in range: ClosedRange<Int64>, _ help: String) -> Setting {
        Setting(
            key: key, form: "size \(SettingValue.render(bytes: range.lowerBound))…\(SettingValue.render(bytes: range.upperBound))", secret: false,
            help: help, render: { SettingValue.render(bytes: Int64($0[keyPath: path])) },
            apply: { $0[keyPath: path] = Int(try SettingValue.size($1, key: key, in: range)) })
    }

    static func size64(_ key: String, _ path: WritableKeyPath<Root, Int64>, in range: ClosedRange<Int64>, _ help: String) -> Setting {
        Setting(
            key: key, form: "size \(SettingValue.render(bytes: range.lowerBound))…\(SettingValue.render(bytes: range.upperBound))", secret: false,
            help: help, render: { SettingValue.render(bytes: $0[keyPath: path]) },
            apply: { $0[keyPath: path] = try SettingValue.size($1, key: key, in: range) })
    }

    /// Text, checked by `check` (which throws a ``ConfigurationError`` naming the key).
    static func text(
        _ key: String, _ path: WritableKeyPath<Root, String>, form: String = "text", _ help: String,
        check: @escaping (String) throws -> Void = { _ in }
    ) -> Setting {
        Setting(
            key: key, form: form, secret: false, help: help, render: { $0[keyPath: path] },
            apply: { try check($1); $0[keyPath: path] = $1 })
    }

    /// Optional text: unset by default; `secret` redacts it.
    static func optionalText(
        _ key: String, _ path: WritableKeyPath<Root, String?>, form: String = "text", secret: Bool = false, _ help: String,
        check: @escaping (String) throws -> Void = { _ in }
    ) -> Setting {
        Setting(
            key: key, form: form, secret: secret, help: help, render: { $0[keyPath: path] },
            apply: { try check($1); $0[keyPath: path] = $1 })
    }

    /// A comma-separated list (an array in a file).
    static func list(_ key: String, _ path: WritableKeyPath<Root, [String]>, _ help: String, check: @escaping ([String]) throws -> [String]) -> Setting {
        Setting(
            key: key, form: "comma-separated list", secret: false, help: help, render: { $0[keyPath: path].joined(separator: ",") },
            apply: { root, text in
                root[keyPath: path] = try check(text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) })
            })
    }
}
