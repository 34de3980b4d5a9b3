import Foundation
import Subprocess

/// A PostgreSQL cluster of `reprise dev`'s own, under `.reprise/postgres`, started with `initdb`
/// and `pg_ctl`. Postgres refuses to run as root, so as root the cluster belongs to `postgres`.
struct PrivatePostgres {
    let directory: URL
    let port: Int

    private var isRoot: Bool { getuid() == 0 }
    private var dataDirectory: String { directory.appendingPathComponent("data").path }

    /// Starts the cluster (creating it on first use) and returns its URL.
    func start() async throws -> String {
        let bin = try await Self.installedBinaries(asRoot: isRoot)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        if isRoot {
            try await run("/bin/chown", ["-R", "postgres:postgres", directory.path], asOwner: false)
            guard (try? await run("/usr/bin/test", ["-w", directory.path], asOwner: true)) != nil else {
                throw DevError(
                    message: "the postgres user cannot write \(directory.path) (a parent directory is closed to it); pass --data-dir under /var/tmp or set DATABASE_URL")
            }
        }
        if !FileManager.default.fileExists(atPath: dataDirectory + "/PG_VERSION") {
            try await run(bin + "/initdb", ["-D", dataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8"], asOwner: true)
        }
        if (try? await run(bin + "/pg_ctl", ["-D", dataDirectory, "status"], asOwner: true)) == nil {
            try await run(
                bin + "/pg_ctl",
                [
                    "-D", dataDirectory, "-l", directory.appendingPathComponent("postgres.log").path, "-w", "-t", "60", "-o",
                    "-p \(port) -k \(directory.path) -c listen_addresses=127.0.0.1", "start",
                ], asOwner: true)
        }
        return "postgres://postgres@127.0.0.1:\(port)/postgres"
    }

    /// Stops the cluster.
    func stop() async {
        guard let bin = try? Self.binaries() else { return }
        _ = try? await run(bin + "/pg_ctl", ["-D", dataDirectory, "-m", "fast", "-w", "stop"], asOwner: true)
    }

    /// The directory holding `initdb` and `pg_ctl`; as root, installs PostgreSQL from Debian's
    /// packages when it is missing, so `reprise dev` works on a fresh machine.
    static func installedBinaries(asRoot: Bool) async throws -> String {
        if let found = try? binaries() { return found }
        guard asRoot else { return try binaries() }
        print("PostgreSQL is not installed; installing it from Debian's packages (apt-get install -y postgresql)")
        for arguments in [["update", "-qq"], ["install", "-y", "-qq", "postgresql"]] {
            let result = try await Subprocess.run(
                .path("/usr/bin/apt-get"), arguments: Arguments(arguments),
                environment: .inherit.updating(["DEBIAN_FRONTEND": "noninteractive"]), output: .discarded, error: .string(limit: 65_536))
            guard result.terminationStatus.isSuccess else {
                throw DevError(message: "apt-get \(arguments.joined(separator: " ")) failed: \(result.standardError)")
            }
        }
        return try binaries()
    }

    /// The directory holding `initdb` and `pg_ctl`.
    static func binaries() throws -> String {
        let candidates = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init)
            + ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? []).sorted().reversed()
            .map { "/usr/lib/postgresql/\($0)/bin" }
        for directory in candidates where FileManager.default.isExecutableFile(atPath: directory + "/initdb") {
            return directory
        }
        throw DevError(message: "PostgreSQL's initdb was not found; install it with: apt-get install -y postgresql, or set DATABASE_URL")
    }

    /// Runs a Postgres tool, as the `postgres` user when we are root.
    private func run(_ executable: String, _ arguments: [String], asOwner: Bool) async throws {
        let (path, argv) =
            asOwner && isRoot ? ("/usr/sbin/runuser", ["-u", "postgres", "--", executable] + arguments) : (executable, arguments)
        let result = try await Subprocess.run(
            .path(.init(path)), arguments: Arguments(argv), output: .discarded, error: .string(limit: 65_536))
        guard result.terminationStatus.isSuccess else {
            throw DevError(message: "\(URL(fileURLWithPath: executable).lastPathComponent) failed: \(result.standardError)")
        }
    }
}

struct DevError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
