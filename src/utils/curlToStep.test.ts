import { curlToStep, shellWords, type StepDefinition } from './curlToStep';

const steps: Array<[string, string, StepDefinition]> = [
  [
    'the example from the issue: method, headers, JSON body, query split from the URL',
    `curl -X POST -H 'Content-Type: application/json' -H "Authorization: Bearer x" -d '{"a":1}' https://host/path?q=1`,
    { name: 'POST /path', request: { method: 'POST', url: 'https://host/path', query: { q: '1' }, headers: { 'Content-Type': 'application/json', Authorization: 'Bearer x' }, json: { a: 1 } } },
  ],
  [
    'a plain GET',
    'curl https://example.com/health',
    { name: 'GET /health', request: { method: 'GET', url: 'https://example.com/health' } },
  ],
  [
    '-d implies POST and curl\'s form content type; a body that is not JSON stays raw',
    "curl -d 'user=demo&pass=x' https://h/login",
    { name: 'POST /login', request: { method: 'POST', url: 'https://h/login', headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: 'user=demo&pass=x' } },
  ],
  [
    'JSON text with a non-JSON content type stays a raw body',
    `curl --data-raw '{"a":1}' -H 'Content-Type: text/plain' https://h/x`,
    { name: 'POST /x', request: { method: 'POST', url: 'https://h/x', headers: { 'Content-Type': 'text/plain' }, body: '{"a":1}' } },
  ],
  [
    'a JSON content type with a body that does not parse stays raw',
    `curl --data '{"a":' -H 'content-type: application/json' https://h/x`,
    { name: 'POST /x', request: { method: 'POST', url: 'https://h/x', headers: { 'content-type': 'application/json' }, body: '{"a":' } },
  ],
  [
    '--json sets both JSON headers and POST',
    `curl --json '{"items":[1,2]}' https://h/cart`,
    { name: 'POST /cart', request: { method: 'POST', url: 'https://h/cart', headers: { 'Content-Type': 'application/json', Accept: 'application/json' }, json: { items: [1, 2] } } },
  ],
  [
    '-u user:pass becomes a Basic authorization header',
    'curl -u demo:s3cret https://h/me',
    { name: 'GET /me', request: { method: 'GET', url: 'https://h/me', headers: { Authorization: `Basic ${btoa('demo:s3cret')}` } } },
  ],
  [
    '--url, --request and --header, long forms',
    `curl --request put --header 'X-Trace: 1' --url 'https://h/items/3'`,
    { name: 'PUT /items/3', request: { method: 'PUT', url: 'https://h/items/3', headers: { 'X-Trace': '1' } } },
  ],
  [
    'backslash-newline continuations, as in copied shell commands',
    "curl https://h/a \\\n  -H 'Accept: application/json' \\\n  --compressed -L",
    { name: 'GET /a', request: { method: 'GET', url: 'https://h/a', headers: { Accept: 'application/json' } } },
  ],
  [
    '-G moves the data to the query string',
    "curl -G -d 'q=shoes' --data-urlencode 'sort=price desc' 'https://h/search?page=2'",
    { name: 'GET /search', request: { method: 'GET', url: 'https://h/search', query: { page: '2', q: 'shoes', sort: 'price desc' } } },
  ],
  [
    '-I is HEAD',
    'curl -I https://h/',
    { name: 'HEAD /', request: { method: 'HEAD', url: 'https://h/' } },
  ],
  [
    'grouped short flags with an attached value',
    'curl -sSLXDELETE https://h/items/9',
    { name: 'DELETE /items/9', request: { method: 'DELETE', url: 'https://h/items/9' } },
  ],
  [
    "bash's $'…' quoting (browsers' Copy as cURL)",
    `curl 'https://h/p' -H $'X-Note: it\\'s' --data-raw $'{"a":"b\\\\nc"}' -H 'Content-Type: application/json'`,
    { name: 'POST /p', request: { method: 'POST', url: 'https://h/p', headers: { 'X-Note': "it's", 'Content-Type': 'application/json' }, json: { a: 'b\nc' } } },
  ],
  [
    'a URL without a scheme is http://, as curl reads it; the fragment is dropped',
    'curl localhost:8080/status#top',
    { name: 'GET /status', request: { method: 'GET', url: 'http://localhost:8080/status' } },
  ],
  [
    'a repeated query name stays in the URL (a record cannot hold both)',
    "curl 'https://h/x?tag=a&tag=b'",
    { name: 'GET /x', request: { method: 'GET', url: 'https://h/x?tag=a&tag=b' } },
  ],
  [
    '{{variables}} in the URL are kept as written',
    `curl -H "Authorization: Bearer {{token}}" 'https://h/orders/{{orderId}}?expand=1'`,
    { name: 'GET /orders/{{orderId}}', request: { method: 'GET', url: 'https://h/orders/{{orderId}}', query: { expand: '1' }, headers: { Authorization: 'Bearer {{token}}' } } },
  ],
  [
    '--max-time becomes the step timeout; -A and -b become headers',
    "curl -m 5 -A probe/1 -b 'sid=abc' https://h/",
    { name: 'GET /', request: { method: 'GET', url: 'https://h/', headers: { 'User-Agent': 'probe/1', Cookie: 'sid=abc' }, timeout: '5s' } },
  ],
  [
    'a leading shell prompt is dropped',
    '$ curl https://h/ping',
    { name: 'GET /ping', request: { method: 'GET', url: 'https://h/ping' } },
  ],
];

const errors: Array<[string, string, RegExp]> = [
  ['an empty paste', '   ', /paste a curl command/],
  ['not curl', 'wget https://h/', /must start with curl/],
  ['no URL', 'curl -H "A: b"', /no URL/],
  ['two URLs', 'curl https://a/ https://b/', /more than one URL/],
  ['an unclosed quote', "curl -d '{\"a\":1} https://h/", /single quote .* not closed/],
  ['an unclosed double quote', 'curl -H "Accept: x https://h/', /double quote .* not closed/],
  ['an unknown option', 'curl --proxy http://p:1 https://h/', /--proxy is not supported/],
  ['-k', 'curl -k https://h/', /always verifies TLS/],
  ['a data file', 'curl -d @body.json https://h/', /reads a file/],
  ['-u without a password', 'curl -u demo https://h/', /no password/],
  ['a header without a colon', 'curl -H "Accept" https://h/', /is not "Name: value"/],
  ['an option without its value', 'curl https://h/ -H', /-H needs a value/],
  ['a pipe', 'curl https://h/ | jq .', /shell syntax/],
  ['an unquoted & in the URL', 'curl https://h/x?a=1&b=2', /quote URLs that contain &/],
  ['a non-HTTP scheme', 'curl ftp://h/file', /ftp:\/\/ URLs cannot be monitored/],
  ['an invalid URL', 'curl "http://"', /is not a valid URL/],
  ['a lone trailing backslash', 'curl https://h/ \\', /lone backslash/],
];

describe('curlToStep', () => {
  it.each(steps)('%s', (_name, command, expected) => {
    expect(curlToStep(command)).toEqual({ ok: true, step: expected });
  });

  it.each(errors)('refuses %s with a message, without throwing', (_name, command, message) => {
    const result = curlToStep(command);
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.error).toMatch(message);
  });

  it('encodes non-Latin-1 credentials as UTF-8', () => {
    const result = curlToStep('curl -u "jürgen:päss" https://h/');
    expect(result.ok && result.step.request.headers?.Authorization).toBe(`Basic ${Buffer.from('jürgen:päss', 'utf8').toString('base64')}`);
  });
});

describe('shellWords', () => {
  it('keeps backslashes inside single quotes and reads escapes inside double quotes', () => {
    expect(shellWords(`a 'b\\c' "d\\"e\\\\f\\g" h\\ i`)).toEqual(['a', 'b\\c', 'd"e\\f\\g', 'h i']);
  });
  it('joins adjacent quoted parts into one word', () => {
    expect(shellWords(`x'a'"b"c`)).toEqual(['xabc']);
  });
});
