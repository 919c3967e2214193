/** The data model shared by the store, the wire and the widget. */

/**
 * A person as shown beside their markers and comments. The id says where the identity comes from (`sso:`,
 * `simple:`, or a guest's `u-`: see sso.ts). A signed-in person's comments carry their avatar (an https or
 * small data-image URL); a marker's own author is id and name only.
 */
export interface Author {
  id: string;
  name: string;
  avatar?: string;
}

export interface Comment {
  id: string;
  author: Author;
  text: string;
  /** Milliseconds since the epoch, server clock. */
  createdAt: number;
  /** Set when the text was edited; null otherwise. */
  editedAt: number | null;
}

/** A marker on an image and its thread. `x`, `y` are 0..1 relative to the image's width and height. */
export interface Chat {
  id: string;
  /**
   * The marker's number on its image, given by the server when it is made: 1, 2, 3… in the order markers were
   * made, never reused, kept when others are deleted or it is resolved. Every viewer sees the same number. 0 on
   * a marker the widget shows before the server has stored it.
   */
  number: number;
  x: number;
  y: number;
  author: Author;
  createdAt: number;
  resolved: boolean;
  comments: Comment[];
}

/** Identifies one image of one tenant: the unit of subscription, ordering and replay. */
export interface ImageKey {
  tenantId: string;
  urlId: string;
}
