import { ResultError } from '../../common/errors.ts';
import type { RunResult } from '../../contracts/run-result.ts';

/**
 * A gate judges a whole run: thresholds that pass on an aborted run (Ctrl-C after ten seconds of load) or on
 * one whose bot crashed would pass a CI job on figures that never saw the load. Throws a ResultError (exit 1)
 * saying why and what to do.
 *
 * @example
 * refuseIncomplete(readRunResult('out/result.json'), 'out/result.json'); // throws for status 'aborted'
 */
export function refuseIncomplete(result: Pick<RunResult, 'status' | 'error'>, file: string): void {
  if (result.status !== 'completed') {
    throw new ResultError(
      `${file}: the run ${result.status === 'aborted' ? 'was aborted' : 'failed'} before its load completed${
        result.error === undefined ? '' : ` (${result.error})`
      }; a gate judges only a completed run: rerun it to the end`,
    );
  }
  if (result.error !== undefined) {
    throw new ResultError(
      `${file}: the run is incomplete: ${result.error}; a gate judges only a run whose parts all held: fix that and rerun`,
    );
  }
}
