import HelloWorkflows
import RepriseCommands

// Reprise's commands, with Hello and its activity registered beside the built-ins.
await RepriseCLI.main(
    Registration(
        workflows: [Hello.self],
        activities: { _ in [Greet()] },
        devHint: #".build/debug/hello workflow execute --type Hello --input '{"name":"Ada"}'"#))
