/**
 * The authoring errors every Markdown front end must report with the same
 * message and place: the remark plugin's tests (errors.test.ts) and the
 * markdown-it plugin's (vitepress/__tests__/markdown.test.ts) run each case.
 * Pages are `docs/guide.md` of a site; the default config has shell, node and python.
 */
import type {SandboxConfigInput} from '../../../config/schema.js';

export const fence = (meta: string, body = 'echo hi') => `# Guide\n\nSome text.\n\n\`\`\`sandbox ${meta}\n${body}\n\`\`\`\n`;

export interface ErrorCase {
  name: string;
  markdown: string;
  config?: SandboxConfigInput;
  message: string;
}

export const ERROR_CASES: ErrorCase[] = [
  {
    name: 'unknown env',
    markdown: fence('env=ruby'),
    message: 'docs/guide.md:5:1: unknown env "ruby"; use one of shell, node, python or add it to sandbox.config.json',
  },
  {
    name: 'unknown option',
    markdown: fence('env=shell colour=red'),
    message:
      'docs/guide.md:5:1: unknown option "colour"; the options are env, file, cmd, title, lang, editable, interactive, timeout, expect, exit, input, skip-check, session, hidden, readonly, showLineNumbers',
  },
  {
    name: 'unquoted value with a space',
    markdown: fence('title=Hello world'),
    message: 'docs/guide.md:5:1: unknown option "world"; a value with spaces needs double quotes: write title="Hello world"',
  },
  {
    name: 'unquoted value with several words before another option',
    markdown: fence('env=shell title=Read a file interactive'),
    message: 'docs/guide.md:5:1: unknown option "a"; a value with spaces needs double quotes: write title="Read a file"',
  },
  {
    name: 'unquoted value with several words inside a directive',
    markdown: ':::sandbox{env=shell title=Two files}\n```sh file=a.sh\necho\n```\n:::\n',
    message: 'docs/guide.md:1:1: unknown option "files"; a value with spaces needs double quotes: write title="Two files"',
  },
  {
    name: 'absolute path',
    markdown: fence('file=/etc/passwd'),
    message: 'docs/guide.md:5:1: the file path "/etc/passwd" is absolute; write it relative to /workspace, e.g. "etc/passwd"',
  },
  {
    name: '".." segment',
    markdown: fence('file=../escape.sh'),
    message: 'docs/guide.md:5:1: the file path "../escape.sh" contains a ".." segment; files must stay inside /workspace',
  },
  {
    name: 'empty path',
    markdown: fence('file=""'),
    message: 'docs/guide.md:5:1: the file path is empty; give a name such as file=main.py',
  },
  {
    name: 'backslash in the path',
    markdown: fence('file="dir\\\\main.sh"'),
    message: 'docs/guide.md:5:1: the file path "dir\\main.sh" contains a backslash; use "/" between folders',
  },
  {
    name: 'NUL in the path',
    markdown: fence('file="a\u0000b.sh"'),
    message: 'docs/guide.md:5:1: the file path contains a NUL byte; remove it',
  },
  {
    name: 'path over 255 bytes',
    markdown: fence(`file=${'é'.repeat(128)}.sh`),
    message: 'docs/guide.md:5:1: the file path is longer than 255 bytes; shorten it',
  },
  {
    name: 'duplicate paths (place of the second fence)',
    markdown: ':::sandbox{env=shell}\n```sh file=a.sh\necho 1\n```\n\n```sh file=a.sh\necho 2\n```\n:::\n',
    message: 'docs/guide.md:6:1: the file "a.sh" appears twice in this block; give each file its own path',
  },
  {
    name: 'too many files',
    config: {limits: {maxFiles: 2}},
    markdown: ':::sandbox{env=shell}\n```sh file=a.sh\n1\n```\n```sh file=b.sh\n2\n```\n```sh file=c.sh\n3\n```\n:::\n',
    message: 'docs/guide.md:1:1: this block has 3 files, more than limits.maxFiles (2); merge files or raise the limit',
  },
  {
    name: 'too many bytes',
    config: {limits: {maxSeedBytes: '1k'}},
    markdown: fence('env=shell', 'x'.repeat(1100)),
    message: 'docs/guide.md:5:1: the files of this block hold 1101 bytes, more than limits.maxSeedBytes (1 KiB); shorten them or raise the limit',
  },
  {
    name: 'timeout over the maximum',
    markdown: fence('timeout=10m'),
    message: 'docs/guide.md:5:1: timeout=10m is over the maximum of 5m for env "shell"; lower it or raise limits.maxTimeout',
  },
  {
    name: 'timeout that is not a duration',
    markdown: fence('timeout=soon'),
    message: 'docs/guide.md:5:1: timeout=soon is not a duration; write e.g. timeout=30s or timeout=2m',
  },
  {
    name: 'fence without file= inside the directive',
    markdown: 'Intro.\n\n:::sandbox{env=python}\n\n```python file=main.py\nimport util\n```\n\n  ```python\nprint(1)\n  ```\n:::\n',
    message: 'docs/guide.md:9:3: a fenced code block inside :::sandbox needs file=path in its meta, e.g. ```python file=main.py',
  },
  {
    name: 'prose inside the directive',
    markdown: ':::sandbox{env=shell}\n```sh file=a.sh\necho\n```\n\nRun it.\n:::\n',
    message: 'docs/guide.md:6:1: only fenced code blocks may stand inside :::sandbox (found a paragraph); move text before or after the directive',
  },
  {
    name: 'file option on the directive',
    markdown: ':::sandbox{env=shell file=a.sh}\n```sh file=a.sh\necho\n```\n:::\n',
    message: 'docs/guide.md:1:1: "file" belongs on the fenced code blocks inside :::sandbox, not on the directive',
  },
  {
    name: 'block option on a file inside the directive',
    markdown: ':::sandbox{env=shell}\n```sh file=a.sh cmd="sh a.sh"\necho\n```\n:::\n',
    message: 'docs/guide.md:2:1: "cmd" belongs on the :::sandbox{...} directive, not on a file inside it',
  },
  {
    name: 'leaf directive',
    markdown: 'Text.\n\n::sandbox{env=shell}\n',
    message:
      'docs/guide.md:3:1: "::sandbox" is a leaf directive; write a container ":::sandbox{...}" holding fenced code blocks, and close it with ":::"',
  },
  {
    name: 'unclosed quote',
    markdown: fence('title="Hello'),
    message: 'docs/guide.md:5:1: the quoted value of "title" is not closed; add the closing "',
  },
  {
    name: 'option given twice',
    markdown: fence('env=shell env=node'),
    message: 'docs/guide.md:5:1: the option "env" is given twice; keep one',
  },
  {
    name: 'flag with a value',
    markdown: fence('interactive=yes'),
    message: 'docs/guide.md:5:1: "interactive" is a flag: write interactive (or interactive=false), not interactive=yes',
  },
  {
    name: 'option without a value',
    markdown: fence('cmd'),
    message: 'docs/guide.md:5:1: "cmd" needs a value, e.g. cmd="..."',
  },
  {
    name: 'exit code out of range',
    markdown: fence('exit=300'),
    message: 'docs/guide.md:5:1: exit=300 is not an exit code; write a whole number from 0 to 255',
  },
  {
    name: 'bad regular expression',
    markdown: fence('expect="/a(/"'),
    message:
      'docs/guide.md:5:1: expect=/a(/ is not a valid regular expression (Invalid regular expression: /a(/: Unterminated group); fix it or drop the slashes to match text',
  },
  {
    name: 'single quotes',
    markdown: fence("title='two words'"),
    message: 'docs/guide.md:5:1: the value of "title" starts with a single quote; only double quotes group words: title="..."',
  },
  {
    name: 'text that is not an option',
    markdown: fence('env=shell =oops'),
    message: 'docs/guide.md:5:1: cannot read "=oops" in the fence options; write options as key=value, key="value with spaces" or a bare flag',
  },
  {
    name: 'line range past the end of the file (place of its fence)',
    markdown: ':::sandbox{env=shell}\n```sh file=a.sh\necho 1\n```\n\n```sh file=b.sh {2-4}\necho 1\necho 2\n```\n:::\n',
    message: 'docs/guide.md:6:1: the line range {2-4} goes past the end of "b.sh", which has 2 lines; fix the range',
  },
  {
    name: 'line range that is not a list of lines',
    markdown: fence('{1,three}'),
    message: 'docs/guide.md:5:1: cannot read the line range {1,three}; write line numbers and ranges separated by commas, e.g. {1,3-5}',
  },
  {
    name: 'line range with a space in it',
    markdown: fence('{1, 3}'),
    message: 'docs/guide.md:5:1: the line range "{1," is not closed; write it without spaces, e.g. {1,3-5}',
  },
  {
    name: 'two line ranges',
    markdown: fence('{1} {2}'),
    message: 'docs/guide.md:5:1: the fence has two line ranges; merge them into one, e.g. {1,3-5}',
  },
  {
    name: 'showLineNumbers on the directive',
    markdown: ':::sandbox{env=shell showLineNumbers}\n```sh file=a.sh\necho\n```\n:::\n',
    message: 'docs/guide.md:1:1: "showLineNumbers" belongs on the fenced code blocks inside :::sandbox, not on the directive',
  },
  {
    name: 'showLineNumbers that is not a number',
    markdown: fence('showLineNumbers=ten'),
    message: 'docs/guide.md:5:1: showLineNumbers=ten is not a line number; write showLineNumbers, or showLineNumbers=10 to start at line 10',
  },
  {
    name: 'showLineNumbers on a terminal-only block',
    markdown: fence('env=shell showLineNumbers', ''),
    message: 'docs/guide.md:5:1: a terminal-only block shows no code, so showLineNumbers does nothing; remove it',
  },
  {
    name: 'line range on a hidden file',
    markdown: ':::sandbox{env=shell}\n```sh file=a.sh\necho\n```\n```sh file=b.sh hidden {1}\necho\n```\n:::\n',
    message: 'docs/guide.md:5:1: "b.sh" is hidden, so its showLineNumbers or line range does nothing; remove them or show the file',
  },
  {
    name: 'indented fence in a list keeps its column',
    markdown: '1. Step\n\n   ```sandbox env=nope\n   echo\n   ```\n',
    message: 'docs/guide.md:3:4: unknown env "nope"; use one of shell, node, python or add it to sandbox.config.json',
  },
];
