// Reads cases (JSON on stdin), evaluates them with the app's own rules.js, prints the
// missing rule ids per case: tests/pwa/test_rules_parity.py compares them with the server.
import { readFileSync } from 'node:fs';
import { factsFor, missingItems } from '../../pwa/src/rules.js';

const cases = JSON.parse(readFileSync(0, 'utf8'));
const answers = cases.map((c) => {
  const facts = factsFor(c.job, c.unit, c.records);
  return missingItems(c.rules, c.job.kind, facts).map((m) => m.id);
});
process.stdout.write(JSON.stringify(answers));
