import Activities
import Gateway
import RepriseCommands
import Samples
import Store

/// What `reprise` registers beyond the built-ins: the samples, their tables and their outbox command.
enum Registrations {
    static var samples: Registration {
        Registration(
            workflows: Samples.workflows,
            activities: { resources in
                let providers = Samples.Providers.fromEnvironment(database: resources.store.client, egress: resources.egress)
                return Samples.activities(database: resources.store.client, providers: providers, media: resources.media)
            },
            migrations: [.samples], commands: [OutboxCommand.self],
            devHint: "reprise workflow execute --type TripSaga --input-file workflows/examples/trip-saga.json (the samples: docs/samples.md)")
    }
}
