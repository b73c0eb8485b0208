overview-title = Overview
overview-greeting = Hello, { $name }
overview-children = Your children
overview-no-children = No children are linked to you at this school.
overview-classes = Your classes
overview-no-classes = You are not linked to any class.
overview-school = The whole school
overview-pupils-count = { $count ->
    [one] 1 pupil
   *[other] { $count } pupils
}
overview-staff-count = { $count ->
    [one] 1 staff member
   *[other] { $count } staff members
}
overview-guardians-count = { $count ->
    [one] 1 guardian
   *[other] { $count } guardians
}
overview-all-classes = All classes
overview-next-page = More classes
overview-your-class = Your class
contact-teachers = Contact teachers
contact-teacher = Contact teacher
teacher = Teacher
class-title = Class { $name }
class-grade = Grade { $grade }
class-staff = Staff
class-pupils = Pupils
class-pupil = Pupil
class-guardians = Guardians
class-no-pupils = The class has no pupils.
pupil-class = Class
pupil-guardians = Guardians
pupil-staff = Staff
pupil-no-class = Not enrolled in a class
contact-email = E-mail
contact-phone = Phone
contact-address = Address
contact-protected = Protected contact details
contact-protected-warning = Name and address protection: these details must never be shared with other parents, pupils or anyone outside the school.
contact-protected-hidden = Protected — ask the school office
access-full = Full access
access-info = Information only
access-none = No access
interpreter-needed = Interpreter: { $language }
home-language = Home language: { $language }
profile-title = Profile
profile-username = Username
profile-language = Language
profile-language-browser = Follow my browser
profile-language-submit = Save language
profile-language-saved = Your language has been saved.
overview-no-events = No coming events.
