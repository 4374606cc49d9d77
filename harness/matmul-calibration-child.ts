// Runs the matrix-product calibration in its own process, so the harness's process never holds a runtime
// session or a GPU context while it measures others. Usage (forked): receives {provider, session}, replies with the result.
import { calibrateMatmul } from './matmul-calibration.ts';
import type { ExecutionProviderName, SessionSettings } from '../pipelines/types.ts';

process.once('message', (request: { provider: ExecutionProviderName; session: SessionSettings; workDir?: string }) => {
  calibrateMatmul(request.provider, request.session, request.workDir).then(
    (result) => process.send!({ status: 'ok', result }, () => process.exit(0)),
    (error: unknown) => process.send!({ status: 'error', message: (error as Error).message }, () => process.exit(1)),
  );
});
