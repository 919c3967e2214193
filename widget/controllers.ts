/**
 * The element's non-visual behaviour, as Lit reactive controllers: the connection and store of its image, and
 * the observed size of its image. Each cleans up in `hostDisconnected` and asks for an update only when its own
 * data changed.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { Author, ErrorCode } from '../shared/index.js';
import { indicatorState, type IndicatorState, type WidgetConnection } from './connection.js';
import { acquireStore, releaseStore } from './registry.js';
import type { ImageStore, StoreChange } from './store.js';

export interface ImageTarget {
  server: string;
  tenantId: string;
  urlId: string;
}

/** Holds the page's shared store of the widget's image (and so the shared connection to its server). */
export class ImageStoreController implements ReactiveController {
  store: ImageStore | null = null;
  connection: WidgetConnection | null = null;
  /** What the live indicator shows (see `indicatorState`). */
  state: IndicatorState = 'connecting';
  user: Author | null = null;
  private target: ImageTarget | null = null;
  private cleanups: (() => void)[] = [];
  private isConnected = false;

  constructor(
    private readonly host: ReactiveControllerHost,
    private readonly listeners: {
      change(change: StoreChange): void;
      state(state: IndicatorState): void;
      error(error: { code: ErrorCode; message: string }): void;
    },
  ) {
    host.addController(this);
  }

  /** Points the controller at an image (called by the host before each update); a new target re-subscribes. */
  setTarget(target: ImageTarget | null): void {
    const same = target && this.target && target.server === this.target.server && target.tenantId === this.target.tenantId && target.urlId === this.target.urlId;
    if (same || (!target && !this.target)) return;
    this.teardown();
    this.target = target;
    if (target && this.isConnected) this.setup(target);
  }

  hostConnected(): void {
    this.isConnected = true;
    if (this.target && !this.store) this.setup(this.target);
  }

  hostDisconnected(): void {
    this.isConnected = false;
    this.teardown();
  }

  private setup(target: ImageTarget): void {
    const store = acquireStore(target.server, { tenantId: target.tenantId, urlId: target.urlId });
    const connection = store.connection;
    this.connection = connection;
    this.store = store;
    this.state = indicatorState(connection.state);
    this.user = connection.user;
    this.cleanups = [
      store.onChange((change) => {
        this.listeners.change(change);
        this.host.requestUpdate();
      }),
      store.onError((error) => this.listeners.error(error)),
      connection.onState(({ newState }) => {
        const state = indicatorState(newState);
        if (state === this.state) return;
        this.state = state;
        this.listeners.state(state);
        this.host.requestUpdate();
      }),
      connection.onUser((user) => {
        this.user = user;
        this.host.requestUpdate();
      }),
    ];
    this.host.requestUpdate();
  }

  private teardown(): void {
    for (const cleanup of this.cleanups.splice(0)) cleanup();
    if (this.store) releaseStore(this.store);
    this.store = null;
    this.connection = null;
  }
}

/** Observes an element's box and updates the host when its size changes. */
export class ResizeController implements ReactiveController {
  width = 0;
  height = 0;
  private observer: ResizeObserver | null = null;
  private target: Element | null = null;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** Starts observing `element` (replacing any earlier one). */
  observe(element: Element | null): void {
    if (element === this.target) return;
    this.target = element;
    this.observer?.disconnect();
    if (!element) return;
    this.observer ??= new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentRect;
      if (!box || (box.width === this.width && box.height === this.height)) return;
      this.width = box.width;
      this.height = box.height;
      this.host.requestUpdate();
    });
    this.observer.observe(element);
  }

  hostConnected(): void {
    if (this.target && this.observer) this.observer.observe(this.target);
  }

  hostDisconnected(): void {
    this.observer?.disconnect();
  }
}
