import * as v from 'valibot';
import { NonEmptyString, JsonObject, opt } from './primitives.js';

// Payloads of the other event families of the events-library contract (spec-kitty-events 2.3.1): mission
// lifecycle, CI gates, collaboration, glossary and mission-next. kitty does not emit them today but
// validates them (sync diagnose, contract verify) and documents them for the SaaS team.

const PositiveInt = v.pipe(v.number(), v.integer('must be an integer'), v.minValue(1, 'must be > 0'));
const Fraction = v.pipe(v.number(), v.minValue(0, 'must be ≥ 0'), v.maxValue(1, 'must be ≤ 1'));
const StringList = v.array(v.string());

// Mission lifecycle
export const MissionStartedPayloadSchema = v.object({
  mission_id: NonEmptyString,
  mission_type: NonEmptyString,
  initial_phase: NonEmptyString,
  actor: NonEmptyString,
});
export const MissionCompletedPayloadSchema = v.object({
  mission_id: NonEmptyString,
  mission_type: NonEmptyString,
  final_phase: NonEmptyString,
  actor: NonEmptyString,
});
export const MissionCancelledPayloadSchema = v.object({
  mission_id: NonEmptyString,
  reason: NonEmptyString,
  actor: NonEmptyString,
  cancelled_wp_ids: v.optional(StringList),
});
export const PhaseEnteredPayloadSchema = v.object({
  mission_id: NonEmptyString,
  phase_name: NonEmptyString,
  actor: NonEmptyString,
  previous_phase: opt(NonEmptyString),
});
export const ReviewRollbackPayloadSchema = v.object({
  mission_id: NonEmptyString,
  review_ref: NonEmptyString,
  target_phase: NonEmptyString,
  actor: NonEmptyString,
  affected_wp_ids: v.optional(StringList),
});

// CI gates
const gate = <C extends v.GenericSchema>(conclusion: C) =>
  v.object({
    gate_name: NonEmptyString,
    gate_type: v.literal('ci'),
    conclusion,
    external_provider: v.literal('github'),
    check_run_id: PositiveInt,
    check_run_url: v.pipe(v.string(), v.url('must be a URL')),
    delivery_id: NonEmptyString,
    pr_number: opt(PositiveInt),
  });
export const GatePassedPayloadSchema = gate(v.literal('success'));
export const GateFailedPayloadSchema = gate(
  v.picklist(['failure', 'timed_out', 'cancelled', 'action_required'], 'must be failure, timed_out, cancelled or action_required'),
);

// Collaboration
const ParticipantIdentitySchema = v.object({
  participant_id: NonEmptyString,
  participant_type: v.picklist(['human', 'llm_context']),
  display_name: opt(v.string()),
  session_id: opt(v.string()),
});
const FocusTargetSchema = v.object({
  target_type: v.picklist(['wp', 'step', 'file']),
  target_id: NonEmptyString,
});
const TwoOrMoreIds = v.pipe(v.array(v.string()), v.minLength(2, 'needs at least two participants'));
const Severity2 = v.picklist(['info', 'warning']);

export const ParticipantInvitedPayloadSchema = v.object({
  participant_id: NonEmptyString,
  participant_identity: ParticipantIdentitySchema,
  invited_by: NonEmptyString,
  mission_id: NonEmptyString,
});
export const ParticipantJoinedPayloadSchema = v.object({
  participant_id: NonEmptyString,
  participant_identity: ParticipantIdentitySchema,
  mission_id: NonEmptyString,
  auth_principal_id: opt(v.string()),
});
export const ParticipantLeftPayloadSchema = v.object({
  participant_id: NonEmptyString,
  mission_id: NonEmptyString,
  reason: opt(v.string()),
});
export const PresenceHeartbeatPayloadSchema = v.object({
  participant_id: NonEmptyString,
  mission_id: NonEmptyString,
  session_id: opt(v.string()),
});
export const DriveIntentSetPayloadSchema = v.object({
  participant_id: NonEmptyString,
  mission_id: NonEmptyString,
  intent: v.picklist(['active', 'inactive']),
});
export const FocusChangedPayloadSchema = v.object({
  participant_id: NonEmptyString,
  mission_id: NonEmptyString,
  focus_target: FocusTargetSchema,
  previous_focus_target: opt(FocusTargetSchema),
});
export const PromptStepExecutionStartedPayloadSchema = v.object({
  participant_id: NonEmptyString,
  mission_id: NonEmptyString,
  step_id: NonEmptyString,
  wp_id: opt(v.string()),
  step_description: opt(v.string()),
});
export const PromptStepExecutionCompletedPayloadSchema = v.object({
  participant_id: NonEmptyString,
  mission_id: NonEmptyString,
  step_id: NonEmptyString,
  outcome: v.picklist(['success', 'failure', 'skipped']),
  wp_id: opt(v.string()),
});
export const ConcurrentDriverWarningPayloadSchema = v.object({
  warning_id: NonEmptyString,
  mission_id: NonEmptyString,
  participant_ids: TwoOrMoreIds,
  focus_target: FocusTargetSchema,
  severity: Severity2,
});
export const PotentialStepCollisionDetectedPayloadSchema = v.object({
  warning_id: NonEmptyString,
  mission_id: NonEmptyString,
  participant_ids: TwoOrMoreIds,
  step_id: NonEmptyString,
  severity: Severity2,
  wp_id: opt(v.string()),
});
export const WarningAcknowledgedPayloadSchema = v.object({
  participant_id: NonEmptyString,
  mission_id: NonEmptyString,
  warning_id: NonEmptyString,
  acknowledgement: v.picklist(['continue', 'hold', 'reassign', 'defer']),
});
export const CommentPostedPayloadSchema = v.object({
  participant_id: NonEmptyString,
  mission_id: NonEmptyString,
  comment_id: NonEmptyString,
  content: NonEmptyString,
  reply_to: opt(v.string()),
});
export const DecisionCapturedPayloadSchema = v.object({
  participant_id: NonEmptyString,
  mission_id: NonEmptyString,
  decision_id: NonEmptyString,
  topic: NonEmptyString,
  chosen_option: NonEmptyString,
  rationale: opt(v.string()),
  referenced_warning_id: opt(v.string()),
});
export const SessionLinkedPayloadSchema = v.object({
  participant_id: NonEmptyString,
  mission_id: NonEmptyString,
  primary_session_id: NonEmptyString,
  linked_session_id: NonEmptyString,
  link_type: v.picklist(['cli_to_saas', 'saas_to_cli']),
});

// Glossary
const Level3 = v.picklist(['low', 'medium', 'high']);
const Strictness = v.picklist(['off', 'medium', 'max']);
export const GlossaryScopeActivatedPayloadSchema = v.object({
  mission_id: NonEmptyString,
  scope_id: NonEmptyString,
  scope_type: v.picklist(['spec_kitty_core', 'team_domain', 'audience_domain', 'mission_local']),
  glossary_version_id: NonEmptyString,
});
export const TermCandidateObservedPayloadSchema = v.object({
  mission_id: NonEmptyString,
  scope_id: NonEmptyString,
  step_id: NonEmptyString,
  term_surface: NonEmptyString,
  confidence: Fraction,
  actor: NonEmptyString,
  step_metadata: v.optional(JsonObject),
});
export const SemanticCheckEvaluatedPayloadSchema = v.object({
  mission_id: NonEmptyString,
  scope_id: NonEmptyString,
  step_id: NonEmptyString,
  conflicts: v.array(
    v.object({
      term: NonEmptyString,
      nature: v.picklist(['overloaded', 'drift', 'ambiguous']),
      severity: Level3,
      description: v.string(),
    }),
  ),
  severity: Level3,
  confidence: Fraction,
  recommended_action: v.picklist(['block', 'warn', 'pass']),
  effective_strictness: Strictness,
  step_metadata: v.optional(JsonObject),
});
export const GlossaryClarificationRequestedPayloadSchema = v.object({
  mission_id: NonEmptyString,
  scope_id: NonEmptyString,
  step_id: NonEmptyString,
  semantic_check_event_id: NonEmptyString,
  term: NonEmptyString,
  question: v.string(),
  options: StringList,
  urgency: Level3,
  actor: NonEmptyString,
});
export const GlossaryClarificationResolvedPayloadSchema = v.object({
  mission_id: NonEmptyString,
  clarification_event_id: NonEmptyString,
  selected_meaning: NonEmptyString,
  actor: NonEmptyString,
});
export const GlossarySenseUpdatedPayloadSchema = v.object({
  mission_id: NonEmptyString,
  scope_id: NonEmptyString,
  term_surface: NonEmptyString,
  before_sense: opt(v.string()),
  after_sense: NonEmptyString,
  reason: v.string(),
  actor: NonEmptyString,
});
export const GenerationBlockedBySemanticConflictPayloadSchema = v.object({
  mission_id: NonEmptyString,
  step_id: NonEmptyString,
  conflict_event_ids: v.pipe(StringList, v.minLength(1, 'needs at least one conflict event id')),
  blocking_strictness: v.picklist(['medium', 'max']),
  step_metadata: v.optional(JsonObject),
});
export const GlossaryStrictnessSetPayloadSchema = v.object({
  mission_id: NonEmptyString,
  new_strictness: Strictness,
  previous_strictness: opt(Strictness),
  actor: NonEmptyString,
});

// Mission-next runtime
const RuntimeActorIdentitySchema = v.object({
  actor_id: NonEmptyString,
  actor_type: v.picklist(['human', 'llm', 'service']),
  display_name: v.optional(v.string(), ''),
  provider: opt(v.string()),
  model: opt(v.string()),
  tool: opt(v.string()),
});
export const MissionRunStartedPayloadSchema = v.object({
  run_id: NonEmptyString,
  mission_key: NonEmptyString,
  actor: RuntimeActorIdentitySchema,
});
export const MissionRunCompletedPayloadSchema = MissionRunStartedPayloadSchema;
export const NextStepIssuedPayloadSchema = v.object({
  run_id: NonEmptyString,
  step_id: NonEmptyString,
  agent_id: NonEmptyString,
  actor: RuntimeActorIdentitySchema,
});
export const NextStepAutoCompletedPayloadSchema = v.object({
  run_id: NonEmptyString,
  step_id: NonEmptyString,
  agent_id: NonEmptyString,
  result: NonEmptyString,
  actor: RuntimeActorIdentitySchema,
});
export const DecisionInputRequestedPayloadSchema = v.object({
  run_id: NonEmptyString,
  decision_id: NonEmptyString,
  step_id: NonEmptyString,
  question: NonEmptyString,
  actor: RuntimeActorIdentitySchema,
  input_key: opt(v.string()),
  options: v.optional(StringList),
});
export const DecisionInputAnsweredPayloadSchema = v.object({
  run_id: NonEmptyString,
  decision_id: NonEmptyString,
  answer: NonEmptyString,
  actor: RuntimeActorIdentitySchema,
});
