/**
 * cli.ts's first import: tracing (when configured) must be running before the modules it instruments are
 * loaded by the imports that follow (see infra/tracing.ts).
 */
import { startTracingIfConfigured } from '../infra/tracing.js';

startTracingIfConfigured();
