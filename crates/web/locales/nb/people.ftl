overview-title = Oversikt
overview-greeting = Hei, { $name }
overview-children = Barna dine
overview-no-children = Ingen barn er knyttet til deg ved denne skolen.
overview-classes = Klassene dine
overview-no-classes = Du er ikke knyttet til noen klasse.
overview-school = Hele skolen
overview-pupils-count = { $count ->
    [one] 1 elev
   *[other] { $count } elever
}
overview-staff-count = { $count ->
    [one] 1 ansatt
   *[other] { $count } ansatte
}
overview-guardians-count = { $count ->
    [one] 1 foresatt
   *[other] { $count } foresatte
}
overview-all-classes = Alle klasser
overview-next-page = Flere klasser
overview-your-class = Klassen din
contact-teachers = Kontaktlærere
contact-teacher = Kontaktlærer
teacher = Lærer
class-title = Klasse { $name }
class-grade = { $grade }. trinn
class-staff = Ansatte
class-pupils = Elever
class-pupil = Elev
class-guardians = Foresatte
class-no-pupils = Klassen har ingen elever.
pupil-class = Klasse
pupil-guardians = Foresatte
pupil-staff = Ansatte
pupil-no-class = Ikke innskrevet i en klasse
contact-email = E-post
contact-phone = Telefon
contact-address = Adresse
contact-protected = Skjermede kontaktopplysninger
contact-protected-warning = Sperret adresse: opplysningene må aldri gis videre til andre foresatte, elever eller noen utenfor skolen.
contact-protected-hidden = Skjermet — spør skolens kontor
access-full = Full tilgang
access-info = Kun informasjon
access-none = Ingen tilgang
interpreter-needed = Tolk: { $language }
home-language = Hjemmespråk: { $language }
profile-title = Profil
profile-username = Brukernavn
profile-language = Språk
profile-language-browser = Følg nettleseren min
profile-language-submit = Lagre språk
profile-language-saved = Språket ditt er lagret.
overview-no-events = Ingen kommende hendelser.
