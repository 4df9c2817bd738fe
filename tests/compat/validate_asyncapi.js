// usage: node validate_asyncapi.js <document.json>... Parses and validates each AsyncAPI
// document with the ecosystem's own parser (@asyncapi/parser, its default Spectral ruleset),
// printing one line per document: {"file", "errors": [...], "warnings": [...]} (each
// {code, message, path}). Exits 1 when any document has an error.
'use strict';
const fs = require('fs');
const { Parser, DiagnosticSeverity } = require('@asyncapi/parser');

const brief = (d) => ({ code: d.code, message: d.message, path: d.path.join('/') });

async function check(parser, file) {
  // parse, not validate: it also checks each message's payload with its schema format's parser
  const { document, diagnostics } = await parser.parse(fs.readFileSync(file, 'utf8'));
  const errors = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error).map(brief);
  const warnings = diagnostics.filter((d) => d.severity === DiagnosticSeverity.Warning).map(brief);
  if (!document && !errors.length) errors.push({ code: 'no-document', message: 'not parsed' });
  process.stdout.write(JSON.stringify({ file, errors, warnings }) + '\n');
  return errors.length === 0;
}

async function main() {
  const parser = new Parser();
  let ok = true;
  for (const file of process.argv.slice(2)) ok = (await check(parser, file)) && ok;
  process.exit(ok ? 0 : 1);
}

main().catch((err) => {
  process.stdout.write(JSON.stringify({ file: null, errors: [{ code: 'crash', message: String(err) }] }) + '\n');
  process.exit(1);
});
