-- The unread count on every page counts a person's unread conversations: with this partial
-- index it reads those alone, not every conversation the person ever took part in (the inbox
-- index served it by person, so its cost grew with the person's history).
CREATE INDEX thread_participant_unread ON thread_participant (person_id) WHERE unread > 0;
