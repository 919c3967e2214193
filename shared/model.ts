/** The data model shared by the store, the wire and the widget. */

/** A person as shown beside their markers and comments. */
export interface Author {
  id: string;
  name: string;
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
