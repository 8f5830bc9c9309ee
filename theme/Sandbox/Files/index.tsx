/** The block's visible files: code blocks, or editors once the reader chose to edit. */
import CodeBlock from '@theme/CodeBlock';
import SandboxEditor from '@theme/SandboxEditor';
import TabItem from '@theme/TabItem';
import Tabs from '@theme/Tabs';
import Translate from '@docusaurus/Translate';
import type {ReactNode} from 'react';
import type {Props} from '@theme/Sandbox/Files';
import type {BlockFile} from 'docusaurus-sandbox/client';
import styles from './styles.module.css';

export default function SandboxFiles({block, display, edits, editing, editablePaths, generation, onChange}: Props): ReactNode {
  const visible = block.files.filter((file) => !file.hidden);
  const single = visible.length === 1;

  const render = (file: BlockFile, index: number) => {
    const content = edits[file.path] ?? file.content;
    const edited = content !== file.content;
    const shown = display?.[file.path];
    if (editing && editablePaths.includes(file.path)) {
      return (
        <>
          {single && <div className={styles.fileTitle}>{block.title ?? file.path}</div>}
          <SandboxEditor
            key={`${file.path}:${generation}`}
            path={file.path}
            lang={file.lang}
            initialContent={content}
            onChange={(next) => onChange(file.path, next)}
            autoFocus={index === 0}
          />
        </>
      );
    }
    return (
      <>
        {edited && (
          <div className={styles.editedNote}>
            <Translate id="theme.Sandbox.files.edited" description="A note above a file the reader has edited">Edited: this is your version; Reset restores the original.</Translate>
          </div>
        )}
        <CodeBlock
          language={file.lang}
          title={single ? (block.title ?? file.path) : undefined}
          showLineNumbers={shown?.showLineNumbers}
          // The reader's edits move lines around: highlighting the authored line numbers would mark the wrong ones.
          metastring={shown?.highlightLines !== undefined && !edited ? `{${shown.highlightLines}}` : undefined}>
          {content}
        </CodeBlock>
      </>
    );
  };

  if (visible.length === 0) {
    return (
      <>
        {block.title && <div className={styles.fileTitle}>{block.title}</div>}
        <pre className={styles.command}>$ {block.cmd}</pre>
      </>
    );
  }
  if (single) return render(visible[0]!, 0);
  const editableVisible = visible.filter((file) => editablePaths.includes(file.path));
  return (
    <>
      {block.title && <div className={styles.fileTitle}>{block.title}</div>}
      <Tabs>
        {visible.map((file) => (
          <TabItem key={file.path} value={file.path} label={file.path}>
            {render(file, editableVisible.indexOf(file))}
          </TabItem>
        ))}
      </Tabs>
    </>
  );
}
