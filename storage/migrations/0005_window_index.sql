-- The context window by tokens is the suffix of a thread's messages whose running totals lie
-- in [total before the run - budget, total before the run]: a range of this index, as long as
-- the window, whatever the thread's length.
CREATE INDEX messages_thread_token_total ON messages (thread_id, token_total);
