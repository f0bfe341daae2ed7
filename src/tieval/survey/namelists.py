"""Word lists of the offline personal-name detector (:func:`tieval.survey.redact.find_names`).

Compiled for this project (not copied from any name database): given names common among the
workforce of UK health, social-care and public services (English, Welsh, Scottish, Irish,
South Asian, African, Caribbean, Eastern European, East Asian), and the capitalised words of
workforce-evaluation free text that are *not* personal names: sentence words, roles,
services, programme words, months and days, and UK nations, counties, regions and towns
(any word ending in ``shire`` is taken for a county by the detector).

- :data:`GIVEN_NAMES`: a title-case token from this list is a name wherever it stands.
- :data:`AMBIGUOUS_NAMES`: given names that are also ordinary words or places (``Will``,
  ``Grace``, ``May``, ``Florence``); a name only after a cue (a title, "my manager", "thanks
  to") or before a surname.
- :data:`NOT_NAMES`: capitalised words that never start a name after a cue.
- :data:`ENTITY_HEADS`: words that make a preceding capitalised run an organisation, place or
  programme (``Victoria Hospital``, ``Mary Seacole Programme``), not a person.
"""

from __future__ import annotations

__all__ = ["GIVEN_NAMES", "AMBIGUOUS_NAMES", "NOT_NAMES", "ENTITY_HEADS", "TITLES", "ROLE_CUES"]


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


GIVEN_NAMES = _words(
    """
    Aaliyah Aaron Abdul Abdullah Abigail Abimbola Adam Adebayo Adeel Adele Adrian Agnieszka Ahmed Aidan
    Aileen Aisha Aisling Alan Alana Alastair Alex Alexa Alexander Alexandra Alexis Alfie Ali Alice Alicia
    Alison Alistair Allan Allison Alyssa Amanda Amara Amelia Amina Amir Amit Amy Ana Anders Andre Andrea
    Andrew Andy Aneesa Angela Angharad Anita Anjali Ann Anna Anne Annette Annie Anthony Antonio Anwar
    Archie Arjun Arthur Arun Asha Ashley Ashok Asif Aston Audrey Ayesha Barbara Barry Beata Beatrice
    Becky Ben Benjamin Bernadette Beth Bethan Bethany Beverley Bev Bilal Billie Blessing Bogdan Brenda
    Brendan Brian Bridget Bronwen Bryony Caitlin Callum Cameron Carl Carla Carly Carmel Caroline Carolyn
    Catherine Cath Cathy Ceri Chantelle Charlie Charles Charlene Chidi Chinedu Chioma Chloe Chris Chrissie
    Christina Christine Christopher Ciara Ciaran Claire Clare Claudia Colin Connor Conor Craig Daisy Dale
    Damian Dan Daniel Daniela Danielle Danny Darren Dave David Davina Debbie Deborah Debra Declan Deepa
    Deepak Denise Dennis Derek Devon Diana Diane Dominic Donna Dorota Dylan Ebony Ed Eddie Edward Eileen
    Elaine Eleanor Elena Eliza Ella Ellen Ellie Emeka Emily Emma Erin Esther Ethan Eunice Eve Evelyn
    Fahad Faisal Farah Fatima Fatuma Fergus Fiona Folake Francesca Francis Gail Gareth Gary Gavin Gemma
    Geoff Geoffrey George Georgina Gerald Geraldine Gillian Gill Gordon Graham Greg Gregory Gwen Hamza
    Hannah Hardeep Harjit Harpreet Harriet Harry Harvey Hassan Hayley Heidi Helen Helena Holly Hussain
    Ian Ibrahim Ifeoma Imogen Imran Ioana Irene Isaac Isabel Isabella Isabelle Isla Ivana Jack Jackie
    Jacob Jacqueline Jagdeep Jake James Jamie Jan Jane Janet Janice Jas Jasmine Jason Jaspreet Jay
    Jayne Jean Jeanette Jennifer Jenny Jeremy Jess Jessica Jill Jo Joan Joanna Joanne Jodie Joe Joel
    John Johnny Jon Jonathan Joseph Josh Joshua Joyce Judith Judy Julia Julian Julie Justin Kamal
    Kanwal Karen Karina Kasia Kate Katherine Kathleen Kathryn Katie Katrina Kay Kayleigh Keith Kelly
    Kemi Ken Kerry Kevin Khalid Kieran Kim Kirsty Krystyna Kunle Kwame Laura Lauren Leah Leanne Lee
    Leigh Lena Leon Lesley Leslie Liam Linda Lindsay Lindsey Lisa Liz Lorna Lorraine Louise Lucy Luke
    Lydia Lynn Lynne Maciej Maddie Madeleine Magdalena Maggie Mandy Manjit Margaret Maria Marian Marie
    Marion Marta Martin Martina Mary Matt Matthew Maureen Megan Mehmet Mei Melanie Melissa Michael
    Michaela Michelle Mick Mike Mohamed Mohammed Mohammad Molly Monica Muhammad Nadia Naomi Natalie
    Natasha Nathan Neil Niamh Nicholas Nick Nicola Nicole Nigel Nikhil Nikki Nina Nisha Nkechi Noah
    Noreen Oksana Oliver Olivia Olu Oluwaseun Omar Oscar Owen Paddy Pamela Patricia Patrick Paul Paula
    Pauline Peter Phil Philip Philippa Piotr Pooja Priya Priyanka Rachael Rachel Rahul Raj Rajesh Ravi
    Rebecca Rehana Rhian Rhiannon Rhys Richard Rita Rob Robert Roberta Rohan Ronan Rosemary Ross Roxanne
    Ruth Ryan Sadia Sajid Sally Samantha Sameer Samir Samuel Sandeep Sanjay Sara Sarah Saskia Scott Sean
    Seema Shabana Shahid Shane Shanice Sharon Shauna Sheila Shirley Shona Simon Simone Sinead Siobhan
    Sonia Sophie Stacey Stephanie Stephen Steve Steven Stuart Sue Sukhdeep Sunil Susan Suzanne Tamara
    Tanya Tariq Teresa Thandiwe Thomas Tim Timothy Tina Toby Tom Tomasz Tommy Toni Tony Tracey Tracy
    Usha Valerie Vanessa Vicky Vijay Vikram Vivienne Wayne Wendy Wojciech Yasmin Yusuf Yvonne Zainab
    Zara Zoe Zoë Zofia Sam Siân Seán Chiara Giulia Luca Marco Hiroshi Wei Xin Yan Li Ying Jun Kenji
    Yuki Aditi Divya Kavita Lakshmi Meera Neha Parveen Rukhsana Nasreen Shazia Bushra Nadeem Waqar
    Zubair Kehinde Taiwo Yetunde Funmilayo Abena Kofi Kojo Akua Ama Tendai Tatenda Rutendo Nyasha
    """
)

AMBIGUOUS_NAMES = _words(
    """
    Will Mark Rose May June April August Hope Faith Grace Joy Dawn Amber Ruby Jade Holly Ivy Iris
    Heather Hazel Daisy Lily Penny Robin Bill Pat Frank Drew Guy Ray Max Don Art Dean Carol Sandy
    Summer Autumn Sky River Brook Chase Hunter Carter Parker Taylor Jordan Georgia Chelsea Florence
    Victoria Sydney Austin Preston Chester Lincoln Kendal Stanley Elizabeth Charlotte Christian Angel
    Bob Eve Miles Earl Duke Prince King Marshall Mercy Precious Patience Honour Unity Destiny Harmony
    Melody Trinity Sterling Clay Cliff Glen Rich Jean Harley Paris Dale Lance Rowan Skye Shannon Jan Jun
    Aston Ed Devon Li Yan Sue Kay Lee Jay
    """
)

NOT_NAMES = _words(
    """
    I A An The And But Or So If When Then There Here This That These Those It Its We Our Us You Your
    They Their He She His Her Him Them My Me Mine All Everyone Everybody Someone Anyone Nobody Each
    Both Some Many Most Much More Less Very Really Just Also Yes No Not None Thanks Thank Thankyou
    Please Hello Hi Dear Great Good Excellent Brilliant Lovely Fab Amazing Fantastic Wonderful Well
    Overall Hopefully Unfortunately Definitely Absolutely Personally Generally Sometimes Maybe Perhaps
    Team Teams Manager Managers Supervisor Supervisors Colleague Colleagues Facilitator Facilitators
    Trainer Trainers Mentor Coach Lead Leader Leaders Leadership Boss Director Directors Head Deputy
    Practitioner Practitioners Nurse Nurses Doctor Doctors Worker Workers Officer Officers Coordinator
    Champion Champions Staff Student Students Tutor Presenter Speaker Speakers Trust Council County
    Borough Authority Service Services Department Directorate Board Committee Group Network Partnership
    Hub Unit Ward Clinic Hospital Centre Center Practice Surgery School College University Academy
    Police Constabulary Government Ministry Health Care Social Mental Public Primary Secondary Adult
    Adults Children Child Young People Family Families Community Communities Education Housing Justice
    Probation Prison Youth Early Help Safeguarding Wellbeing Resilience Recovery Development
    Management Support Policy Strategy Framework Approach Model Toolkit Guidance Pathway Project
    Projects Initiative Programme Programmes Program Course Courses Session Sessions Workshop Workshops
    Module Modules Training Trainings Learning Action Set Sets Awareness Trauma Informed Practice
    Adverse Childhood Experiences ACEs Compassion Compassionate Reflective Reflection Supervision
    Consultation Peer Peers Organisation Organisations Organization System Systems Integrated Care
    Board Commissioning Quality Improvement Safety Risk Assessment Review Evaluation Survey Report
    Questionnaire Interview Focus Phase Stage Part Level Year Years Month Week Day Today Tomorrow
    Yesterday Morning Afternoon Evening Monday Tuesday Wednesday Thursday Friday Saturday Sunday
    January February March July September October November December Christmas Easter Ramadan Eid
    Diwali New England English Britain British UK Wales Welsh Scotland Scottish Ireland Irish Europe
    European Polish Indian Pakistani African Caribbean Asian Muslim Christian Jewish Hindu Sikh God
    Cumbria Yorkshire Manchester Merseyside Liverpool Cheshire Kent Sussex Hampshire
    Berkshire London Essex Devon Cornwall Midlands North South East West Northern Southern Eastern
    Western Central Greater Blackpool Blackburn Burnley Lancaster Morecambe Chorley Fylde Wyre Pendle
    Rossendale Hyndburn Ribble Valley Darwen Guildford Woking Epsom Ewell Reigate Redhill Staines
    Camberley Farnham Godalming Dorking Leatherhead Elmbridge Waverley Tandridge Runnymede Spelthorne
    Mole Heartlands Birmingham Leeds Bristol Sheffield Newcastle Nottingham Leicester Cardiff Glasgow
    Edinburgh Belfast Oxford Cambridge Brighton Southampton Portsmouth Reading Bolton Wigan Oldham
    Rochdale Bury Salford Stockport Tameside Trafford NHS ICB ICS CCG HR IT GP GPs Zoom Microsoft Google
    Outlook Excel Word Forms Qualtrics Covid COVID Lockdown Internet Online Email Phone Website Web
    Page Chapter Section Question Questions Answer Answers Note Notes Comment Comments Other Others
    First Second Third Last Next Final Whole Full Half One Two Three Four Five Six Seven Eight Nine Ten
    Everything Nothing Something Anything Being Having Doing Making Working Feeling Learning Listening
    Keep Made Make Give Gave Take Took Found Felt Feel Think Thought Know Knew Like Liked Love Loved
    Enjoyed Helped Help Hearing Seeing Looking Going Coming Getting Taking Bring Brought Said Told
    Really Ok Okay Sir Madam Mum Dad Mother Father Nan Grandma Grandad Baby Lord Lady Saint St
    """
)

ENTITY_HEADS = _words(
    """
    Hospital Hospitals Trust Council County Borough Centre Center Clinic Surgery Practice Ward Unit
    Hub House Building Court Hall Road Street Lane Avenue Way Close Park Square Place Station School
    College University Academy Institute Foundation Fund Charity Society Association Group Network
    Partnership Programme Program Project Award Awards Prize Lecture Room Suite Wing Service Services
    Team Board Centre's Police Constabulary Church Mosque Temple Library Museum Theatre Bridge Estate
    Model Method Framework Scale Test Questionnaire Syndrome Disease Approach Training Course Module
    Award Fellowship Scholarship Unit's Primary Infant Junior High Healthcare Care Health
    """
)

#: Personal titles: the capitalised words after one are a name (``Dr Okafor``, ``Mrs Patel``).
TITLES = ("Dr", "Mr", "Mrs", "Ms", "Miss", "Mx", "Prof", "Professor", "Sister", "Nurse", "Matron", "Cllr")

#: Roles that, after ``my``/``our``/``the``/``his``/``her``/``their``, introduce a person's name.
ROLE_CUES = (
    "line manager",
    "manager",
    "supervisor",
    "colleague",
    "co-worker",
    "coworker",
    "facilitator",
    "trainer",
    "mentor",
    "coach",
    "team leader",
    "team manager",
    "lead",
    "boss",
    "tutor",
    "practitioner",
    "nurse",
    "social worker",
    "worker",
    "director",
    "assessor",
    "buddy",
    "champion",
    "deputy",
    "friend",
    "partner",
    "husband",
    "wife",
    "son",
    "daughter",
    "client",
    "service user",
    "patient",
)
