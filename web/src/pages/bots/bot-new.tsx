import { navigate, usePageTitle } from '../../router.tsx';
import { setFlash } from '../../ui/flash.ts';
import { BotForm } from './bot-form.tsx';

export function BotNewPage() {
  usePageTitle('New bot');
  return (
    <div className="page">
      <h1>New bot</h1>
      <p>
        An internal bot runs on TradeWise; an external one is your own service, called at its API URL with its
        token. Test the connection before you create it.
      </p>
      <BotForm
        onSaved={(bot, message) => {
          setFlash(message);
          navigate(`/bots/${encodeURIComponent(bot.id)}`);
        }}
      />
    </div>
  );
}
