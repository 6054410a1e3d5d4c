import GithubSlugger from 'github-slugger';

/**
 * The anchors GitHub makes for a Markdown file's headings (github-slugger: lower case, punctuation
 * dropped, spaces to hyphens, repeats numbered), plus explicit `<a name=...>` / `id=...` anchors.
 * Lines inside fenced code blocks are not headings.
 */
export function markdownAnchors(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const anchors = new Set<string>();
  let fence: string | null = null;
  for (const line of markdown.split('\n')) {
    const f = /^\s*(```|~~~)/.exec(line);
    if (f) {
      if (fence === null) fence = f[1]!;
      else if (f[1] === fence) fence = null;
      continue;
    }
    if (fence !== null) continue;
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) anchors.add(slugger.slug(heading[1]!));
    for (const m of line.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]!);
  }
  return anchors;
}
