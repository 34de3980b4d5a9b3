import RepriseCommands

// `reprise` is one user of the entry point any executable built on Reprise calls: it registers the samples.
await RepriseCLI.main(Registrations.samples)
