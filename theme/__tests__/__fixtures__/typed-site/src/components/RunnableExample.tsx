import Sandbox from '@theme/Sandbox';
import SandboxFiles, {type FileDisplay} from '@theme/Sandbox/Files';

const lineNumbers: FileDisplay = {showLineNumbers: 1, highlightLines: '1,3-5'};

export function RunnableExample({block}: {block: string}) {
  return <Sandbox block={block} display={JSON.stringify({files: {'main.py': lineNumbers}})} />;
}

export const files = SandboxFiles;
