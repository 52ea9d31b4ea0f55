/**
 * Loaded into the fleet CLI by tests (`NODE_OPTIONS=--import=…`), never by fleet itself.
 * - FLEET_TEST_RSS_FILE: at exit, writes the process's peak resident memory (bytes) there.
 * - FLEET_TEST_FAULT_FILE: on SIGUSR2, injects two bugs of the kind that used to end a run
 *   silently (a rejected promise nobody handles, an exception thrown in an event callback),
 *   then touches that file so the test knows both have happened.
 */
import { writeFileSync } from 'node:fs';

const rssFile = process.env.FLEET_TEST_RSS_FILE;
if (rssFile) process.on('exit', () => writeFileSync(rssFile, String(process.resourceUsage().maxRSS * 1024)));

const faultFile = process.env.FLEET_TEST_FAULT_FILE;
if (faultFile) {
  process.on('SIGUSR2', () => {
    void Promise.reject(new Error('injected fault: a promise rejected with no handler'));
    setImmediate(() => {
      setTimeout(() => writeFileSync(faultFile, 'injected\n'), 200);
      throw new Error('injected fault: an exception thrown in a callback');
    });
  });
}
