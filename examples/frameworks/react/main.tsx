/**
 * React 19 with the npm package: `<image-chat>` is used as an element in JSX (typed by '@image-chat/widget/react').
 * The <img> is React's child of <image-chat>, which shows it as it is (it is never moved or changed), so React
 * stays the owner of its DOM. Never put `data-image-chat` on an <img> React renders: the script would move that
 * <img> into a new <image-chat>, under React's feet.
 */
import { useRef, useState } from 'react';
import { createRoot } from 'react-dom/client';
import { configure, type ImageChat } from '@image-chat/widget/react';

// Once, before the first widget renders: a bundled widget cannot tell where the image-chat server is.
configure({ server: 'https://chat.example.com' });

export function FloorPlan({ signIn }: { signIn: { userDataJSONBase64: string; verificationHash: string; timestamp: number } | null }) {
  const widget = useRef<ImageChat>(null);
  const [state, setState] = useState('connecting');
  const [openChat, setOpenChat] = useState<string | null>(null);
  return (
    <figure>
      <image-chat
        ref={widget}
        tenant-id="acme"
        url-id="plans/floor-2"
        theme="auto"
        sso={signIn}
        onimage-chat-status={(event) => setState(event.detail.state)}
        onimage-chat-open={(event) => setOpenChat(event.detail.chatId)}
        onimage-chat-error={(event) => console.warn(event.detail.code, event.detail.message)}
      >
        <img src="/plans/floor-2.png" alt="Second floor plan" width={1200} height={800} />
      </image-chat>
      <figcaption>
        {state} · {openChat ? `thread ${openChat} open` : 'click the plan to comment'} · {widget.current?.store?.chats.length ?? 0} markers
      </figcaption>
    </figure>
  );
}

createRoot(document.getElementById('root')!).render(<FloorPlan signIn={null} />);
