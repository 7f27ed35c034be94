// The assistant's answers as Markdown (see markdown.py). This module and everything it imports
// (the Markdown parser, KaTeX and its CSS, the code highlighter) form their own chunk that the
// editor page loads the first time an answer is shown, not with the page.
import ReactMarkdown from "react-markdown";
import remarkGfm from "remark-gfm";
import remarkMath from "remark-math";
import rehypeKatex from "rehype-katex";
import rehypeUnwrapImages from "rehype-unwrap-images";
import { PrismAsyncLight as SyntaxHighlighter } from "react-syntax-highlighter";
import oneLight from "react-syntax-highlighter/dist/esm/styles/prism/one-light";
import "katex/dist/katex.min.css";

const REMARK = [remarkGfm, remarkMath];
// No rehype-raw: HTML written in an answer shows as text, never parsed into the page.
const REHYPE = [rehypeKatex, rehypeUnwrapImages];
const BLOCK_STYLE = { margin: "0 0 0.5em", fontSize: "12px", borderRadius: "6px" };

function vibeText(node) {
  if (!node) return "";
  if (node.type === "text") return node.value;
  return (node.children || []).map(vibeText).join("");
}

// A fenced block: highlighted by its language (Prism grammars load on demand).
function VibeCodeBlock({ node }) {
  const code = node?.children?.find((child) => child.tagName === "code");
  const classes = [].concat(code?.properties?.className || []).join(" ");
  const language = /language-([\w+#-]+)/.exec(classes)?.[1] || "text";
  return (
    <SyntaxHighlighter language={language} style={oneLight} customStyle={BLOCK_STYLE}>
      {vibeText(code || node).replace(/\n$/, "")}
    </SyntaxHighlighter>
  );
}

const COMPONENTS = { pre: VibeCodeBlock };

export default function VibeMarkdown({ text }) {
  return (
    <ReactMarkdown remarkPlugins={REMARK} rehypePlugins={REHYPE} components={COMPONENTS}>
      {text || ""}
    </ReactMarkdown>
  );
}
