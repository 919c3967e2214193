/** The wire contract of image-chat: import everything protocol-related from here. */
export { LIMITS, type Limits } from './limits.js';
export { ERROR_CODES, CLOSE_CODES, type ErrorCode } from './errors.js';
export type { Author, Chat, Comment, ImageKey } from './model.js';
export {
  type AckMessage,
  type AddCommentMessage,
  type AdminServerMessage,
  type BatchMessage,
  type ClientMessage,
  type CreateChatMessage,
  type DeleteChatMessage,
  type DeleteCommentMessage,
  type DeletedImageChatEvent,
  type EditCommentMessage,
  type ErrorMessage,
  type HelloMessage,
  type ImageChatUpdatedEvent,
  type ImageEvent,
  type MoveChatMessage,
  type NewImageChatEvent,
  type PingMessage,
  type PongMessage,
  type PresenceDeltaMessage,
  type PresenceMessage,
  type PresenceSnapshotMessage,
  type PresenceStoppedTyping,
  type PresenceTyping,
  type PresenceViewer,
  type ResolveChatMessage,
  type ResyncMessage,
  type ServerMessage,
  type SubscribeMessage,
  type SubscribeTenantMessage,
  type SubscribedTenantMessage,
  type SubscribedMessage,
  type SubscribedReplay,
  type SubscribedSnapshot,
  type TenantEventMessage,
  type TypingMessage,
  type UnsubscribeMessage,
  type UnsubscribedMessage,
  type WelcomeMessage,
  type WelcomeUser,
  type WriteMessage,
  WRITE_TYPES,
} from './messages.js';
export { validateClientMessage, validateWriteMessage, parseClientFrame, isWriteMessage } from './validate.js';
export { parseServerFrame, restored, type AnyServerMessage } from './server-frames.js';
export { imageTopic } from './topic.js';
export { cleanName, cleanText, hasControlCharacter, hasLoneSurrogate } from './text.js';
export { applyEventToChat } from './apply-event.js';
export { SeqReorderBuffer } from './seq-reorder-buffer.js';
export { eventForWrite, withSeq, type UnsequencedEvent } from './event-for-write.js';
export type { UsageDay, UsageCounter, ImageUsage, UsageReport, LiveImage, LiveReport, TopImagesReport } from './usage-api.js';
export {
  SSO_MAX_AGE_MS, SSO_CLOCK_SKEW_MS, MAX_SSO_USER_DATA_LENGTH, MAX_AVATAR_LENGTH, SSO_ID_PREFIX, SIMPLE_ID_PREFIX,
  isSafeAvatarUrl, identityKind, type SecureSso, type SimpleSso, type SsoUserData,
} from './sso.js';
export {
  WRITE_POLICIES, RESOLVE_POLICIES, DEFAULT_RULES, changeRules, parseStoredRules,
  type TenantRules, type WritePolicy, type ResolvePolicy,
} from './tenant-rules.js';
export {
  CHAT_EXPORT_FORMAT, CHAT_EXPORT_VERSION, EXPORT_FORMATS, ExportFormatError, WEB_ANNOTATION_CONTEXT,
  annotationUrn, parseChatExport, pointFragment, toWebAnnotations,
  type ChatExport, type ExportedImage, type ExportFormat,
} from './export-format.js';
export {
  WEBHOOK_EVENT_TYPES, webhookBody, webhookEventType,
  type WebhookBody, type WebhookEventType, type WebhookEventData, type WebhookEndpointView, type WebhookDeliveryView, type WebhookDeliveryState,
} from './webhooks.js';
export { eventToWire, eventFromWire, type WireEvent } from './event-wire.js';
