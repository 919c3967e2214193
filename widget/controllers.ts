/**
 * The element's non-visual behaviour, as Lit reactive controllers: the connection and store of its image, and
 * the observed size of its image. Each cleans up in `hostDisconnected` and asks for an update only when its own
 * data changed.
 */
import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ErrorCode, TenantRules, WelcomeUser } from '../shared/index.js';
import { indicatorState, type IndicatorState, type TenantIdentity, type WidgetConnection } from './connection.js';
import { pageSockets, type SharedSockets } from './shared-sockets.js';
import type { ImageStore, Remark } from './store.js';

/** Which image a widget shows, on which server. */
export interface ImageTarget {
  server: string;
  tenantId: string;
  urlId: string;
  /** The page's sign-in on the tenant (the element's `sso` / `simpleSso`); null: its guest. */
  identity?: TenantIdentity | null;
}

/** What happened since the host last looked: the host turns these into a highlight, events and a notice. */
interface ImageNews {
  /** Markers others added live. */
  arrived: string[];
  /** Comments others added or edited live. */
  remarks: Remark[];
  /** Each change of the live indicator. */
  statuses: IndicatorState[];
  /** Errors about the image itself (e.g. the server refused it). */
  errors: { code: ErrorCode; message: string }[];
  /** Refusals of the page's sign-in on the tenant. */
  signIns: { code: ErrorCode; message: string }[];
}

const noNews = (): ImageNews => ({ arrived: [], remarks: [], statuses: [], errors: [], signIns: [] });

/**
 * Holds the page's shared store of the widget's image (and so the shared connection to its server). It pulls its
 * input: `readTarget` is read when the host connects and before each update, and a new target re-subscribes.
 * Its one channel to the host is its own state plus `requestUpdate`: the host reads `store`, `status`, `user`
 * and `rules`, and takes the `news` in `willUpdate`. The target's identity is handed to the connection when it
 * changes (a widget without one leaves the tenant's identity to the page's other widgets).
 */
export class ImageStoreController implements ReactiveController {
  store: ImageStore | null = null;
  /** What the live indicator shows (`indicatorState` of the connection's state). */
  status: IndicatorState = 'connecting';
  /** Who the reader is on the image's tenant (or the connection's guest before the tenant's welcome). */
  user: WelcomeUser | null = null;
  /** The tenant's rules, once it welcomed this connection. */
  rules: TenantRules | null = null;
  /** The server refused the image (unknown tenant, a page origin the tenant does not allow): nothing is live. */
  refused = false;
  /** The identity last handed to the connection, as JSON; '' when none was. */
  #identity = '';
  #news: ImageNews = noNews();
  #target: ImageTarget | null = null;
  #release: (() => void) | null = null;
  #cleanups: (() => void)[] = [];
  /** Lit updates a removed element too: only a connected host may hold a store (and with it a socket). */
  #connected = false;

  readonly #host: ReactiveControllerHost;
  readonly #readTarget: () => ImageTarget | null;
  readonly #sockets: SharedSockets;

  constructor(host: ReactiveControllerHost, readTarget: () => ImageTarget | null, sockets: SharedSockets = pageSockets) {
    this.#host = host;
    this.#readTarget = readTarget;
    this.#sockets = sockets;
    host.addController(this);
  }

  /** What happened since the last call (see `ImageNews`); the host calls it once per update. */
  takeNews(): ImageNews {
    const news = this.#news;
    this.#news = noNews();
    return news;
  }

  hostConnected(): void {
    this.#connected = true;
    this.#follow(this.#readTarget());
  }

  hostUpdate(): void {
    if (this.#connected) this.#follow(this.#readTarget());
  }

  /** Hands the target's identity to the connection when it differs from the last one handed (or is the first). */
  #signIn(target: ImageTarget, connection: WidgetConnection): void {
    const identity = target.identity ?? null;
    const json = identity ? JSON.stringify(identity) : '';
    if (json === this.#identity) return;
    this.#identity = json;
    connection.setIdentity(target.tenantId, identity);
  }

  hostDisconnected(): void {
    this.#connected = false;
    this.#teardown();
    this.#target = null;
  }

  /** Holds the store of `target`, letting go of the previous one when it names another image. */
  #follow(target: ImageTarget | null): void {
    const current = this.#target;
    const same = target && current && target.server === current.server && target.tenantId === current.tenantId && target.urlId === current.urlId;
    if (same && this.store) this.#signIn(target, this.store.connection);
    if (same || (!target && !current)) return;
    this.#teardown();
    this.#target = target;
    if (target) this.#setup(target);
  }

  #setup(target: ImageTarget): void {
    const { store, release } = this.#sockets.acquire(target.server, { tenantId: target.tenantId, urlId: target.urlId });
    const connection = store.connection;
    this.store = store;
    this.#release = release;
    this.status = indicatorState(connection.state);
    // A store held open is unsubscribed only by a refusal (also one heard by another widget of this image).
    this.refused = store.subscription === 'unsubscribed';
    const tenantId = target.tenantId;
    const who = () => {
      this.user = connection.userFor(tenantId) ?? connection.user;
      this.rules = connection.rulesFor(tenantId);
      // The tenant turned presence off (its new rules come with a welcome): no frame will end what is shown.
      if (this.rules?.presence === false) store.presence.clear();
    };
    who();
    this.#identity = '';
    this.#signIn(target, connection);
    this.#cleanups = [
      store.onChange((change) => {
        this.#news.arrived.push(...change.arrived);
        this.#news.remarks.push(...change.remarks);
        this.#host.requestUpdate();
      }),
      // Presence frames change only the bar's faces and the open thread's typing line.
      store.presence.onChange(() => this.#host.requestUpdate()),
      store.onSubscription(({ newState }) => {
        const refused = newState === 'unsubscribed';
        if (refused === this.refused) return;
        this.refused = refused;
        this.#host.requestUpdate();
      }),
      store.onError((error) => {
        this.#news.errors.push(error);
        this.#host.requestUpdate();
      }),
      connection.onState(({ newState }) => {
        const status = indicatorState(newState);
        if (status === this.status) return;
        this.status = status;
        this.#news.statuses.push(status);
        this.#host.requestUpdate();
      }),
      connection.onUser(() => {
        who();
        this.#host.requestUpdate();
      }),
      connection.onTenant((changed) => {
        if (changed !== tenantId) return;
        who();
        this.#host.requestUpdate();
      }),
      connection.onTenantError((error) => {
        if (error.tenantId !== tenantId) return;
        this.#news.signIns.push({ code: error.code, message: error.message });
        this.#host.requestUpdate();
      }),
    ];
    this.#host.requestUpdate();
  }

  #teardown(): void {
    for (const cleanup of this.#cleanups.splice(0)) cleanup();
    this.#release?.();
    this.#release = null;
    this.store = null;
    this.refused = false;
  }
}

/** Observes an element's box and updates the host when its size changes. */
export class ResizeController implements ReactiveController {
  width = 0;
  height = 0;
  #observer: ResizeObserver | null = null;
  #target: Element | null = null;

  constructor(private readonly host: ReactiveControllerHost) {
    host.addController(this);
  }

  /** Starts observing `element` (replacing any earlier one). */
  observe(element: Element | null): void {
    if (element === this.#target) return;
    this.#target = element;
    this.#observer?.disconnect();
    if (!element) return;
    this.#observer ??= new ResizeObserver((entries) => {
      const box = entries[entries.length - 1]?.contentRect;
      if (!box || (box.width === this.width && box.height === this.height)) return;
      this.width = box.width;
      this.height = box.height;
      this.host.requestUpdate();
    });
    this.#observer.observe(element);
  }

  hostConnected(): void {
    if (this.#target && this.#observer) this.#observer.observe(this.#target);
  }

  hostDisconnected(): void {
    this.#observer?.disconnect();
  }
}
