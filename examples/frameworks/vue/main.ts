/**
 * Vue 3 with the npm package, in plain TypeScript: `h('image-chat', …)` makes the element itself, so no compiler
 * option is needed here. In templates (single-file components, like FloorPlan.vue beside this file) tell Vue's
 * compiler that `image-chat` is a custom element, or it looks for a Vue component of that name:
 *   vite.config.ts: vue({ template: { compilerOptions: { isCustomElement: (tag) => tag === 'image-chat' } } })
 */
import { createApp, defineComponent, h, ref } from 'vue';
import { configure } from '@image-chat/widget';

// Once, before the first widget renders: a bundled widget cannot tell where the image-chat server is.
configure({ server: 'https://chat.example.com' });

const FloorPlan = defineComponent({
  setup() {
    const state = ref('connecting');
    return () => h('figure', [
      h('image-chat', {
        'tenant-id': 'acme',
        'url-id': 'plans/floor-2',
        // Vue listens for `image-chat-status` (it hyphenates what follows `on`).
        onImageChatStatus: (event: HTMLElementEventMap['image-chat-status']) => { state.value = event.detail.state; },
      }, [h('img', { src: '/plans/floor-2.png', alt: 'Second floor plan', width: 1200, height: 800 })]),
      h('figcaption', state.value),
    ]);
  },
});

createApp(FloorPlan).mount('#app');
