#!/usr/bin/env python3
# Writes Sources/Workflow/Generated/EventAttributes.swift from the table below: run it after editing the table.
events = [
 ("WorkflowExecutionStarted", "The run began.", [("workflowId","String",None),("workflowType","String",None),("taskQueue","String",None),("input","Payload?","nil"),("workflowExecutionTimeout","Double?","nil"),("originalExecutionRunId","String",None),("attempt","Int","1"),("identity","String?","nil"),("searchAttributes","Payload?","nil"),("memo","Payload?","nil"),("continuedExecutionRunId","String?","nil"),("firstExecutionRunId","String?","nil"),("parentWorkflowNamespace","String?","nil"),("parentWorkflowId","String?","nil"),("parentRunId","String?","nil"),("parentInitiatedEventId","Int64?","nil")]),
 ("WorkflowTaskScheduled", "A workflow task is due.", [("taskQueue","String",None),("attempt","Int","1"),("startToCloseTimeout","Double?","nil")]),
 ("WorkflowTaskStarted", "A worker took the workflow task.", [("scheduledEventId","Int64",None),("identity","String?","nil"),("historySizeBytes","Int64?","nil"),("suggestContinueAsNew","Bool?","nil")]),
 ("WorkflowTaskCompleted", "The workflow task's commands follow this event.", [("scheduledEventId","Int64",None),("startedEventId","Int64",None),("identity","String?","nil")]),
 ("WorkflowTaskFailed", "The workflow task failed; its work is discarded and it is retried.", [("scheduledEventId","Int64",None),("startedEventId","Int64",None),("cause","String",None),("failure","Failure",None),("identity","String?","nil")]),
 ("ActivityTaskScheduled", "The workflow scheduled an activity.", [("activityId","String",None),("activityType","String",None),("taskQueue","String",None),("input","Payload?","nil"),("scheduleToCloseTimeout","Double?","nil"),("scheduleToStartTimeout","Double?","nil"),("startToCloseTimeout","Double?","nil"),("heartbeatTimeout","Double?","nil"),("retryPolicy","RetryPolicy",".default"),("deadLetter","Bool","false"),("workflowTaskCompletedEventId","Int64",None)]),
 ("ActivityTaskStarted", "The attempt that produced the outcome began. Written with the outcome.", [("scheduledEventId","Int64",None),("attempt","Int",None),("identity","String?","nil"),("lastFailure","Failure?","nil")]),
 ("ActivityTaskCompleted", "The activity succeeded.", [("scheduledEventId","Int64",None),("startedEventId","Int64",None),("result","Payload?","nil"),("identity","String?","nil")]),
 ("ActivityTaskFailed", "The activity failed for good.", [("scheduledEventId","Int64",None),("startedEventId","Int64",None),("failure","Failure",None),("retryState","String",None),("identity","String?","nil")]),
 ("ActivityTaskTimedOut", "The activity timed out for good.", [("scheduledEventId","Int64",None),("startedEventId","Int64",None),("failure","Failure",None),("retryState","String",None)]),
 ("ActivityTaskDeadLettered", "The activity ran out of attempts and was parked for an operator; the workflow keeps waiting.", [("scheduledEventId","Int64",None),("attempt","Int",None),("failure","Failure",None),("deadLetterId","String",None)]),
 ("ActivityTaskDeadLetterRetried", "An operator retried a dead-lettered activity with fresh attempts.", [("scheduledEventId","Int64",None),("deadLetterId","String",None),("input","Payload?","nil"),("identity","String?","nil")]),
 ("ActivityTaskCancelRequested", "The workflow asked for the activity to be canceled.", [("scheduledEventId","Int64",None),("workflowTaskCompletedEventId","Int64",None)]),
 ("ActivityTaskCanceled", "The activity acknowledged cancellation.", [("scheduledEventId","Int64",None),("startedEventId","Int64?","nil"),("details","Payload?","nil"),("latestCancelRequestedEventId","Int64?","nil")]),
 ("TimerStarted", "The workflow started a timer.", [("timerId","String",None),("startToFireTimeout","Double",None),("workflowTaskCompletedEventId","Int64",None)]),
 ("TimerFired", "A timer fired.", [("timerId","String",None),("startedEventId","Int64",None)]),
 ("TimerCanceled", "The workflow canceled a timer.", [("timerId","String",None),("startedEventId","Int64",None),("workflowTaskCompletedEventId","Int64",None)]),
 ("WorkflowExecutionSignaled", "A signal arrived.", [("signalName","String",None),("input","Payload?","nil"),("identity","String?","nil")]),
 ("MarkerRecorded", "A side effect or a patch was recorded.", [("markerName","String",None),("details","[String: Payload]",None),("workflowTaskCompletedEventId","Int64",None)]),
 ("UpsertWorkflowSearchAttributes", "The workflow set search attributes; the run's search_attributes holds them merged over the earlier ones.", [("searchAttributes","[String: Payload]",None),("workflowTaskCompletedEventId","Int64",None)]),
 ("WorkflowExecutionCancelRequested", "Somebody asked for the run to be canceled.", [("cause","String?","nil"),("identity","String?","nil")]),
 ("WorkflowExecutionCanceled", "The run ended canceled.", [("details","Payload?","nil"),("workflowTaskCompletedEventId","Int64",None)]),
 ("WorkflowExecutionCompleted", "The run ended with a result.", [("result","Payload?","nil"),("workflowTaskCompletedEventId","Int64",None)]),
 ("WorkflowExecutionFailed", "The run ended with a failure.", [("failure","Failure",None),("retryState","String","\"NonRetryableFailure\""),("workflowTaskCompletedEventId","Int64",None)]),
 ("WorkflowExecutionTimedOut", "The run passed its execution timeout.", [("retryState","String","\"Timeout\"")]),
 ("WorkflowExecutionTerminated", "An operator ended the run; no workflow code ran.", [("reason","String?","nil"),("details","Payload?","nil"),("identity","String?","nil")]),
# Continue-as-new.
 ("WorkflowExecutionContinuedAsNew", "The run ended and a new run of the same workflow id started in its place.", [("newExecutionRunId","String",None),("workflowType","String",None),("taskQueue","String",None),("input","Payload?","nil"),("workflowExecutionTimeout","Double?","nil"),("workflowTaskCompletedEventId","Int64",None)]),
# Child workflows and the commands a parent sends them (Temporal's names and fields).
 ("StartChildWorkflowExecutionInitiated", "The workflow asked for a child run to start.", [("namespace","String",None),("workflowId","String",None),("workflowType","String",None),("taskQueue","String",None),("input","Payload?","nil"),("workflowExecutionTimeout","Double?","nil"),("workflowIdReusePolicy","String","\"AllowDuplicate\""),("parentClosePolicy","String","\"Terminate\""),("workflowTaskCompletedEventId","Int64",None)]),
 ("StartChildWorkflowExecutionFailed", "The child could not start: its workflow id is taken or may not be reused.", [("namespace","String",None),("workflowId","String",None),("workflowType","String",None),("cause","String",None),("initiatedEventId","Int64",None),("workflowTaskCompletedEventId","Int64",None)]),
 ("ChildWorkflowExecutionStarted", "The child run started.", [("namespace","String",None),("initiatedEventId","Int64",None),("workflowId","String",None),("runId","String",None),("workflowType","String",None)]),
 ("ChildWorkflowExecutionCompleted", "The child run completed with a result.", [("namespace","String",None),("workflowId","String",None),("runId","String",None),("workflowType","String",None),("initiatedEventId","Int64",None),("startedEventId","Int64",None),("result","Payload?","nil")]),
 ("ChildWorkflowExecutionFailed", "The child run failed.", [("namespace","String",None),("workflowId","String",None),("runId","String",None),("workflowType","String",None),("initiatedEventId","Int64",None),("startedEventId","Int64",None),("failure","Failure",None),("retryState","String","\"NonRetryableFailure\"")]),
 ("ChildWorkflowExecutionCanceled", "The child run ended canceled.", [("namespace","String",None),("workflowId","String",None),("runId","String",None),("workflowType","String",None),("initiatedEventId","Int64",None),("startedEventId","Int64",None),("details","Payload?","nil")]),
 ("ChildWorkflowExecutionTimedOut", "The child run passed its execution timeout.", [("namespace","String",None),("workflowId","String",None),("runId","String",None),("workflowType","String",None),("initiatedEventId","Int64",None),("startedEventId","Int64",None),("retryState","String","\"Timeout\"")]),
 ("ChildWorkflowExecutionTerminated", "The child run was terminated.", [("namespace","String",None),("workflowId","String",None),("runId","String",None),("workflowType","String",None),("initiatedEventId","Int64",None),("startedEventId","Int64",None)]),
 ("SignalExternalWorkflowExecutionInitiated", "The workflow sent a signal to another run (its child).", [("namespace","String",None),("workflowId","String",None),("runId","String?","nil"),("signalName","String",None),("input","Payload?","nil"),("childWorkflowOnly","Bool","true"),("workflowTaskCompletedEventId","Int64",None)]),
 ("SignalExternalWorkflowExecutionFailed", "The signal could not be delivered: the run is closed or unknown.", [("namespace","String",None),("workflowId","String",None),("runId","String?","nil"),("cause","String",None),("initiatedEventId","Int64",None),("workflowTaskCompletedEventId","Int64",None)]),
 ("ExternalWorkflowExecutionSignaled", "The signal was delivered.", [("namespace","String",None),("workflowId","String",None),("runId","String?","nil"),("initiatedEventId","Int64",None)]),
 ("RequestCancelExternalWorkflowExecutionInitiated", "The workflow asked another run (its child) to cancel.", [("namespace","String",None),("workflowId","String",None),("runId","String?","nil"),("childWorkflowOnly","Bool","true"),("reason","String?","nil"),("workflowTaskCompletedEventId","Int64",None)]),
 ("RequestCancelExternalWorkflowExecutionFailed", "The cancel request could not be delivered: the run is closed or unknown.", [("namespace","String",None),("workflowId","String",None),("runId","String?","nil"),("cause","String",None),("initiatedEventId","Int64",None),("workflowTaskCompletedEventId","Int64",None)]),
 ("ExternalWorkflowExecutionCancelRequested", "The cancel request was delivered.", [("namespace","String",None),("workflowId","String",None),("runId","String?","nil"),("initiatedEventId","Int64",None)]),
# Updates (Temporal's names and fields; the request, meta and outcome types are in HistoryEvent+Updates.swift).
 ("WorkflowExecutionUpdateAccepted", "An update passed its validator; the next workflow task runs its handler.", [("protocolInstanceId","String",None),("acceptedRequestMessageId","String",None),("acceptedRequestSequencingEventId","Int64",None),("acceptedRequest","UpdateRequest",None)]),
 ("WorkflowExecutionUpdateCompleted", "An update's handler returned or threw: its result or its failure.", [("meta","UpdateMeta",None),("acceptedEventId","Int64",None),("outcome","UpdateOutcome",None)]),
]
def lc(n): return n[0].lower()+n[1:]
out = ["// Generated by scripts/codegen/event_attributes.py: edit the table there and run it; do not edit this file.",
       "// The attributes of each history event, with Temporal's event names and field names.",
       "// Durations are fractional seconds. Kept in one file so the whole vocabulary reads at a glance.",
       "", "extension HistoryEvent {"]
for name, doc, fields in events:
    out.append(f"    /// `{name}`: {doc}")
    out.append(f"    package struct {name}Attributes: Sendable, Hashable, Codable {{")
    for f,t,d in fields:
        out.append(f"        package var {f}: {t}")
    params = ", ".join(f"{f}: {t}" + (f" = {d}" if d else "") for f,t,d in fields)
    out.append(f"")
    out.append(f"        package init({params}) {{")
    for f,t,d in fields:
        out.append(f"            self.{f} = {f}")
    out.append("        }")
    # tolerant decoding: defaults for fields with defaults
    out.append("")
    out.append("        private enum CodingKeys: String, CodingKey { case " + ", ".join(f for f,_,_ in fields) + " }")
    out.append("")
    out.append("        package init(from decoder: any Decoder) throws {")
    out.append("            let container = try decoder.container(keyedBy: CodingKeys.self)")
    for f,t,d in fields:
        if t.endswith("?"):
            out.append(f"            self.{f} = try container.decodeIfPresent({t[:-1]}.self, forKey: .{f})")
        elif d:
            out.append(f"            self.{f} = try container.decodeIfPresent({t}.self, forKey: .{f}) ?? {d}")
        else:
            out.append(f"            self.{f} = try container.decode({t}.self, forKey: .{f})")
    out.append("        }")
    out.append("    }")
    out.append("")
out.append("    /// The typed attributes of an event; the case names the event type.")
out.append("    package enum Attributes: Sendable, Hashable {")
for name,_,_ in events:
    out.append(f"        case {lc(name)}({name}Attributes)")
out.append("")
out.append("        /// The event type this case stands for.")
out.append("        package var eventType: EventType {")
out.append("            switch self {")
for name,_,_ in events:
    out.append(f"            case .{lc(name)}: .{lc(name)}")
out.append("            }")
out.append("        }")
out.append("")
out.append("        func encode(to container: inout KeyedEncodingContainer<HistoryEvent.CodingKeys>) throws {")
out.append("            switch self {")
for name,_,_ in events:
    out.append(f"            case .{lc(name)}(let value): try container.encode(value, forKey: .attributes)")
out.append("            }")
out.append("        }")
out.append("")
out.append("        init(type: EventType, from container: KeyedDecodingContainer<HistoryEvent.CodingKeys>) throws {")
out.append("            switch type {")
for name,_,_ in events:
    out.append(f"            case .{lc(name)}: self = .{lc(name)}(try container.decode({name}Attributes.self, forKey: .attributes))")
out.append("            }")
out.append("        }")
out.append("    }")
out.append("}")
out.append("")
out.append("/// The type of a history event, spelled as Temporal spells it.")
out.append("public enum EventType: String, Sendable, Hashable, Codable, CaseIterable {")
for name,_,_ in events:
    out.append(f"    case {lc(name)} = \"{name}\"")
out.append("}")
import os; open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../Sources/Workflow/Generated/EventAttributes.swift"),"w").write("\n".join(out)+"\n")
