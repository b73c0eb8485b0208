overview-title = Overblik
overview-greeting = Hej, { $name }
overview-children = Dine børn
overview-no-children = Der er ingen børn knyttet til dig på denne skole.
overview-classes = Dine klasser
overview-no-classes = Du er ikke knyttet til nogen klasse.
overview-school = Hele skolen
overview-pupils-count = { $count ->
    [one] 1 elev
   *[other] { $count } elever
}
overview-staff-count = { $count ->
    [one] 1 medarbejder
   *[other] { $count } medarbejdere
}
overview-guardians-count = { $count ->
    [one] 1 forælder
   *[other] { $count } forældre
}
overview-all-classes = Alle klasser
overview-next-page = Flere klasser
overview-your-class = Din klasse
contact-teachers = Kontaktlærere
contact-teacher = Kontaktlærer
teacher = Lærer
class-title = Klasse { $name }
class-grade = { $grade }. klassetrin
class-staff = Personale
class-pupils = Elever
class-pupil = Elev
class-guardians = Forældre
class-no-pupils = Klassen har ingen elever.
pupil-class = Klasse
pupil-guardians = Forældre
pupil-staff = Personale
pupil-no-class = Ikke indskrevet i en klasse
contact-email = E-mail
contact-phone = Telefon
contact-address = Adresse
contact-protected = Beskyttede kontaktoplysninger
contact-protected-warning = Navne- og adressebeskyttelse: oplysningerne må aldrig gives videre til andre forældre, elever eller nogen uden for skolen.
contact-protected-hidden = Beskyttet — spørg skolens kontor
access-full = Fuld adgang
access-info = Kun information
access-none = Ingen adgang
interpreter-needed = Tolk: { $language }
home-language = Hjemmesprog: { $language }
profile-title = Profil
profile-username = Brugernavn
profile-language = Sprog
profile-language-browser = Følg min browser
profile-language-submit = Gem sprog
profile-language-saved = Dit sprog er gemt.
overview-no-events = Ingen kommende begivenheder.
