notify-settings-title = Notifications
notify-settings-intro = Choose for each kind of notice whether it comes at once, in one e-mail a day at the hour you choose, or not at all. Emergency notices from the school always come at once. Staff get notices only within contact hours.
notify-settings-delivery = Delivery
notify-settings-hour = Hour of the daily digest
notify-settings-link = Choose which notices you get, and when
notify-settings-save = Save
notify-settings-saved = Your choices are saved.
notify-delivery-instant = At once
notify-delivery-digest = Daily digest
notify-delivery-off = Off
notify-kind-message = Messages
notify-kind-post = Posts
notify-kind-event = Events and reminders
notify-kind-absence = Absence
notify-kind-conference = Conferences
notify-error-delivery = Choose at once, daily digest or off for each kind.
notify-error-hour = The hour of the digest must be a whole hour from 00 to 23.
notify-mail-sensitive = You have a new message in skolebro
notify-mail-emergency = [Urgent]
notify-mail-open = Open it in skolebro: { $url }
notify-mail-footer = You get this e-mail from skolebro. Choose which notices you get: { $url }
notify-digest-subject = skolebro: { $count } new since your last digest
notify-digest-intro = { $count ->
    [one] There is one new notice for you:
   *[other] There are { $count } new notices for you:
}
