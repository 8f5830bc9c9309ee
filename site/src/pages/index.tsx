import Link from '@docusaurus/Link';
import useBaseUrl from '@docusaurus/useBaseUrl';
import CodeBlock from '@theme/CodeBlock';
import Layout from '@theme/Layout';
import type {ReactNode} from 'react';
import styles from './index.module.css';

const FENCE = ['```sandbox env=python file=main.py', 'name = input("Your name? ")', 'print(f"Hello, {name}!")', '```'].join('\n');

const FEATURES: Array<{title: string; body: ReactNode}> = [
  {
    title: 'Write Markdown, get a terminal',
    body: (
      <>
        A <code>```sandbox</code> fence or a <code>:::sandbox</code> block with several files. Bad fences stop the build
        with the file, line and a fix.
      </>
    ),
  },
  {
    title: 'Real programs, real TTY',
    body: <>Readers run, type into, interrupt and edit the examples: input(), colours, Ctrl-C and long output all work.</>,
  },
  {
    title: 'Hardened and ephemeral',
    body: (
      <>
        Every run is a fresh container with no network, no capabilities, a read-only root and limits on memory,
        processes, output and time. Gone when it ends.
      </>
    ),
  },
];

export default function Home(): ReactNode {
  const logo = useBaseUrl('/img/terminal.svg');
  return (
    <Layout title="Runnable docs" description="Interactive terminals in Docusaurus, run in hardened containers">
      <main>
        <header className={styles.hero}>
          <div className="container">
            <img className={styles.logo} src={logo} alt="" />
            <h1>docusaurus-sandbox</h1>
            <div className={styles.tagline}>
              <p>
                Runnable, interactive terminals in your Docusaurus docs. Readers click <b>Run</b>; the code runs in an
                ephemeral, hardened container on your own server.
              </p>
            </div>
            <div className={styles.actions}>
              <Link className="button button--primary button--lg" to="/docs/tutorials/shell-tour">
                Take the tour
              </Link>
              <Link className="button button--secondary button--lg" to="/docs/intro">
                Read the docs
              </Link>
            </div>
            <div className={styles.fence}>
              <CodeBlock language="markdown" title="docs/hello.md">
                {FENCE}
              </CodeBlock>
            </div>
          </div>
        </header>
        <section className={styles.features}>
          <div className="container">
            <div className="row">
              {FEATURES.map((feature) => (
                <div key={feature.title} className={`col col--4 ${styles.feature}`}>
                  <h2>{feature.title}</h2>
                  <p>{feature.body}</p>
                </div>
              ))}
            </div>
          </div>
        </section>
      </main>
    </Layout>
  );
}
