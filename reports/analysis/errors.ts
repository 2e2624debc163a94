/**
 * The data given cannot support the analysis asked for (too few points, no load levels). The message
 * says what is missing and how to get it. Kept apart from ResultError: the files are valid, the
 * experiment is too small.
 */
export class AnalysisError extends Error {
  override name = 'AnalysisError';
}
