/**
 * The Custom Elements Manifest analyzer's configuration (scripts/build-widget-package.mjs runs it on
 * widget/image-chat.ts). Two things it cannot know by itself: the tag name, which our `@definedOnce('…')`
 * decorator registers (Lit's `@customElement` is the one it reads), and that `emit(name, detail)` is a helper, not
 * an event called `name`: the events are the ones the class documents with `@fires`.
 */
export default {
  litelement: true,
  plugins: [
    {
      name: 'image-chat-defined-once',
      analyzePhase({ ts, node, moduleDoc }) {
        if (!ts.isClassDeclaration(node) || !node.name) return;
        for (const decorator of ts.getDecorators?.(node) ?? node.decorators ?? []) {
          const call = decorator.expression;
          if (!ts.isCallExpression(call) || call.expression.getText() !== 'definedOnce') continue;
          const [tag] = call.arguments;
          const declaration = moduleDoc.declarations?.find((d) => d.name === node.name.getText());
          if (!tag || !ts.isStringLiteral(tag) || !declaration) continue;
          declaration.tagName = tag.text;
          declaration.customElement = true;
          moduleDoc.exports = [...(moduleDoc.exports ?? []), { kind: 'custom-element-definition', name: tag.text, declaration: { name: declaration.name, module: moduleDoc.path } }];
        }
      },
    },
    {
      name: 'image-chat-documented-events',
      packageLinkPhase({ customElementsManifest }) {
        for (const module of customElementsManifest.modules) {
          for (const declaration of module.declarations ?? []) {
            if (declaration.events) declaration.events = declaration.events.filter((event) => event.description);
          }
        }
      },
    },
  ],
};
