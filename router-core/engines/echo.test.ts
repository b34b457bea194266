import { runEngineContract } from '../../tests/contract/engine.contract.js';
import { createEchoEngine } from './echo.js';

runEngineContract('echo', { make: async () => ({ engine: createEchoEngine({ model: 'echo-1' }), model: 'echo-1' }) });
