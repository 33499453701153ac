// The side panels of a room behind one tab list: People (for the presenter), Chat, Q&A and Polls.
import { createSignal, Show } from 'solid-js';
import { useRoom } from '../room/room-context.tsx';
import { ChatPanel } from './chat-panel.tsx';
import { ParticipantsPanel } from './participants-panel.tsx';
import { PollsPanel } from '../room/polls/polls-panel.tsx';
import { QaPanel } from './qa-panel.tsx';
import { TabPanel, Tabs, type TabItem } from './tabs.tsx';

type PanelKey = 'people' | 'chat' | 'qa' | 'polls';

export function RoomPanels(props: { withPeople: boolean; joinUrl?: string }) {
  const room = useRoom();
  const [tab, setTab] = createSignal<PanelKey>(props.withPeople ? 'people' : 'chat');
  const items = (): TabItem<PanelKey>[] => [
    ...(props.withPeople ? [{ key: 'people' as const, label: 'People', count: room.state.participants.length }] : []),
    { key: 'chat', label: 'Chat', count: room.state.messages.length },
    { key: 'qa', label: 'Q&A', count: room.state.questions.length },
    { key: 'polls', label: 'Polls', count: room.polls.state.polls.length },
  ];
  return (
    <>
      <Tabs id="room" label="Room panels" selected={tab()} onSelect={setTab} items={items()} />
      <Show when={props.withPeople}>
        <TabPanel id="room" tab="people" selected={tab() === 'people'} heading="People">
          <ParticipantsPanel {...(props.joinUrl ? { joinUrl: props.joinUrl } : {})} />
        </TabPanel>
      </Show>
      <TabPanel id="room" tab="chat" selected={tab() === 'chat'} heading="Chat">
        <ChatPanel />
      </TabPanel>
      <TabPanel id="room" tab="qa" selected={tab() === 'qa'} heading="Questions and answers">
        <QaPanel />
      </TabPanel>
      <TabPanel id="room" tab="polls" selected={tab() === 'polls'} heading="Polls">
        <PollsPanel />
      </TabPanel>
    </>
  );
}
