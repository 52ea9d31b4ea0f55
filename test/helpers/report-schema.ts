/**
 * Every JSON report a test reads is checked against the published schema
 * (schemas/report.schema.json), so the schema and the reports fleet writes cannot drift apart.
 */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { RunReport } from '../../src/engine/types.js';

const schema = JSON.parse(readFileSync(new URL('../../schemas/report.schema.json', import.meta.url), 'utf8')) as object;
const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

/** Returns the report, or throws naming each place it breaks the schema. */
export function checkedReport(report: unknown): RunReport {
  if (!validate(report)) {
    const why = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''}`).join('; ');
    throw new Error(`the report does not match schemas/report.schema.json: ${why}`);
  }
  return report as RunReport;
}
