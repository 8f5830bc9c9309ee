/** English: the messages of the one list, so there is nothing to keep in step by hand. */
import {MESSAGE_IDS, MESSAGES, type MessageId} from '../messages.js';

export const en: Readonly<Record<MessageId, string>> = Object.fromEntries(MESSAGE_IDS.map((id) => [id, MESSAGES[id].message])) as Record<
  MessageId,
  string
>;
