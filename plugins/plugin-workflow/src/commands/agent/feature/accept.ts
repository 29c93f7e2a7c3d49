import Accept from '../../accept.js';

/** `spec-kitty agent feature accept`: the same as `spec-kitty accept` (the incumbent's agent spelling). */
export default class FeatureAccept extends Accept {
  static override summary = 'Same as spec-kitty accept: check that a feature is complete and record its acceptance';
}
