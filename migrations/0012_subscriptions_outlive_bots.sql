-- Issue 16: deleting a bot no longer erases its subscriptions in silence.
--
-- The foreign key cascaded a bot's deletion to every subscription of it, active or not: users lost
-- their history and nobody's audit trail said why. Now the deletion first cancels the bot's
-- active subscriptions, each with its own audit record, in the deletion's own transaction
-- (src/features/bots/bot-deletion.ts), and every subscription stays as its user's history, still
-- naming the bot it was for (a bot that may since have been deleted: GET /bots/{id} is then 404).
-- A foreign key cannot express "keep the id of a deleted row", so the column keeps the id and
-- the key goes. No subscription can be created for a bot that is not there: the insert reads the
-- bot under row-level security with a key-share lock (subscriptions.repository.ts), so one racing
-- the bot's deletion waits for it and then finds no bot.
ALTER TABLE subscriptions DROP CONSTRAINT subscriptions_bot_id_fkey;

-- The deletion's cancellation finds a bot's active subscriptions here (the unique index leads
-- with user_id, so it cannot).
CREATE INDEX subscriptions_active_bot_idx ON subscriptions (bot_id) WHERE status = 'active';
