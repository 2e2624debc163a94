/**
 * A baseline and a candidate that must not be compared: different scenarios, seeds or schema versions, a
 * run that did not complete, or a distorted run. Each file is a valid RunResult (that is ResultError's
 * job); together they would answer a different question than "did this change make the bot worse".
 */
export class ComparisonError extends Error {
  override name = 'ComparisonError';
}

/** A side of the comparison is distorted (fidelity verdict): not judged, which gate tells apart (exit 3). */
export class DistortedComparisonError extends ComparisonError {
  override name = 'DistortedComparisonError';
}
