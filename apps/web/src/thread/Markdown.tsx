// Loaded on demand (see text.tsx): react-markdown and remark-gfm stay out of the initial bundle.
import { type ComponentProps, memo } from 'react';
import ReactMarkdown, { defaultUrlTransform } from 'react-markdown';
import remarkGfm from 'remark-gfm';
import { CodeBlock } from './CodeBlock.tsx';

const plugins = [remarkGfm];

const components: ComponentProps<typeof ReactMarkdown>['components'] = {
  a: ({ node: _node, ...props }) => <a {...props} target="_blank" rel="noopener noreferrer" />,
  pre: ({ children }) => <>{children}</>,
  code: ({ node: _node, className, children, ...props }) => {
    const language = /language-([\w+#-]+)/.exec(className ?? '')?.[1];
    const text = String(children ?? '');
    // Fenced blocks end with a newline or name a language; everything else is inline code.
    if (language || text.includes('\n')) return <CodeBlock code={text.replace(/\n$/, '')} language={language} />;
    return (
      <code className={className} {...props}>
        {children}
      </code>
    );
  },
  table: ({ node: _node, ...props }) => (
    <div className="table-scroll">
      <table {...props} />
    </div>
  ),
};

function Markdown({ text }: { text: string }) {
  return (
    <div className="markdown">
      <ReactMarkdown remarkPlugins={plugins} components={components} urlTransform={defaultUrlTransform}>
        {text}
      </ReactMarkdown>
    </div>
  );
}

export default memo(Markdown);
