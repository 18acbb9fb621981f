import { createLogger } from '../log/logger';
import { startDemoService } from './demoService';

/** The demo service on its own (docker compose runs it as a container). */
const log = createLogger({ level: 'info', format: 'auto' });
startDemoService({ port: Number(process.env.DEMO_PORT ?? 4010), host: process.env.HOST ?? '0.0.0.0', log })
  .then((demo) => {
    log.info({ url: demo.url }, `demo service listening on ${demo.url}`);
    const stop = () => void demo.stop().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  })
  .catch((error: Error) => {
    log.fatal({ err: error }, 'demo service failed to start');
    process.exit(1);
  });
