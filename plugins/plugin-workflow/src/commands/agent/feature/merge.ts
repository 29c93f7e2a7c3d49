import Merge from '../../merge.js';

/** `spec-kitty agent feature merge`: the same as `spec-kitty merge` (the incumbent's agent spelling). */
export default class FeatureMerge extends Merge {
  static override summary = "Same as spec-kitty merge: merge a feature's work-package branches into its target branch";
}
