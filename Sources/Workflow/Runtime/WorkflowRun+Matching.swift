/// The command↔event matcher: every command the code emits must match the next recorded command
/// event by kind, sequence number, and activity type or timer duration
/// (docs/workflows.md, "How the runtime keeps it deterministic").
extension WorkflowRun {
    /// Matches one recorded command event against the oldest unmatched command.
    func match(_ event: HistoryEvent) throws {
        let command = progress.withLock { progress -> Command? in
            guard progress.unmatchedHead < progress.unmatched.count else { return nil }
            return progress.unmatched[progress.unmatchedHead]
        }
        guard let command else {
            // A patch that the code no longer checks for is skipped, so deprecated patches replay.
            if case .markerRecorded(let marker) = event.attributes, marker.markerName == Command.Marker.patchName { return }
            throw mismatch(event: event, command: nil)
        }
        if case .markerRecorded(let marker) = event.attributes, marker.markerName == Command.Marker.patchName,
            !matches(command, event)
        {
            return
        }
        guard matches(command, event) else { throw mismatch(event: event, command: command) }
        progress.withLock { $0.unmatchedHead += 1 }
        if case .activityTaskScheduled(let attributes) = event.attributes, case .scheduleActivity(let scheduled) = command {
            state.withLock { state in
                state.activitySeqByScheduledEventId[event.eventId] = scheduled.seq
                state.activityTypes[scheduled.seq] = attributes.activityType
            }
        }
        recordMatchedChildCommand(command, eventId: event.eventId)
    }

    /// Called at every event that is not a command event: once the command events of a completed
    /// workflow task have ended, each command the code emitted must have found its event.
    ///
    /// The event is an autoclosure: it is read only for the error, and a copy per event showed in
    /// the replay profile.
    func endMatching(at event: @autoclosure () -> HistoryEvent?, lastEventId: Int64? = nil) throws {
        let leftover = progress.withLock { progress -> Command? in
            guard progress.matching else { return nil }
            progress.matching = false
            defer {
                progress.unmatched.removeAll(keepingCapacity: true)
                progress.unmatchedHead = 0
            }
            guard progress.unmatchedHead < progress.unmatched.count else { return nil }
            return progress.unmatched[progress.unmatchedHead]
        }
        if let leftover {
            let event = event()
            throw WorkflowTaskError.nonDeterminism(
                run: info, eventId: event?.eventId ?? lastEventId ?? 0,
                expected: event.map { "\(Self.describe($0)) (no further command was recorded for that workflow task)" },
                emitted: leftover.summary)
        }
    }

    private func mismatch(event: HistoryEvent, command: Command?) -> WorkflowTaskError {
        .nonDeterminism(run: info, eventId: event.eventId, expected: Self.describe(event), emitted: command?.summary)
    }

    /// An event as `Type {attributes}` for error messages.
    static func describe(_ event: HistoryEvent) -> String {
        "\(event.eventType.rawValue) \(event.attributesJSON.compactDescription)"
    }

    func matches(_ command: Command, _ event: HistoryEvent) -> Bool {
        switch (command, event.attributes) {
        case (.scheduleActivity(let command), .activityTaskScheduled(let event)):
            return command.activityId == event.activityId && command.activityType == event.activityType
        case (.requestCancelActivity(let seq), .activityTaskCancelRequested(let event)):
            return state.withLock { $0.activitySeqByScheduledEventId[event.scheduledEventId] } == seq
        case (.startTimer(let seq, let duration), .timerStarted(let event)):
            return String(seq) == event.timerId && abs(duration.seconds - event.startToFireTimeout) < 0.000_001
        case (.cancelTimer(let seq), .timerCanceled(let event)):
            return String(seq) == event.timerId
        case (.recordMarker(let marker), .markerRecorded(let event)):
            return marker.name == event.markerName && marker.matchId == (event.details["sideEffectId"] ?? event.details["patchId"])
        case (.upsertSearchAttributes(let attributes), .upsertWorkflowSearchAttributes(let event)):
            return attributes == event.searchAttributes
        case (.completeWorkflow, .workflowExecutionCompleted), (.failWorkflow, .workflowExecutionFailed),
            (.cancelWorkflow, .workflowExecutionCanceled):
            return true
        case (.continueAsNew(let command), .workflowExecutionContinuedAsNew(let event)):
            return command.workflowType == event.workflowType
        case (.completeUpdate(let command), .workflowExecutionUpdateCompleted(let event)):
            return command.updateId == event.meta.updateId && command.acceptedEventId == event.acceptedEventId
        default:
            return matchesChildCommand(command, event)
        }
    }
}
