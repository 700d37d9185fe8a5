"""Skills taxonomy and extractor: free text -> sorted canonical skill ids.

`TAXONOMY` maps a canonical id (a lowercase slug) to its aliases; the first alias is the
display name. `extract` finds every alias in a text with one compiled regular expression
(a prefix trie, so its cost does not grow with the number of aliases) and returns the ids.

Matching is case-insensitive and word-boundary aware, where "word" includes `+`, `#` and
`.` inside names (C++, C#, Node.js). A few aliases are English words or single letters
("Go", "R", "C", "Excel", "React", "Spark"); they match case-sensitively and, for the
single letters and "Go", only in a list or programming context ("Python, R and SQL",
"written in Go", "Go (Golang)", "C/C++"), so "go to market" or "R&D" never count.
"""

from __future__ import annotations

import re
from functools import lru_cache

__all__ = ["TAXONOMY", "display", "extract"]

TAXONOMY: dict[str, tuple[str, ...]] = {
    # --- programming languages ---
    "python": ("Python", "Python3", "Python 3"),
    "java": ("Java", "Java 8", "Java 17", "J2EE"),
    "javascript": ("JavaScript", "JS", "ECMAScript", "ES6", "Javascript ES6"),
    "typescript": ("TypeScript", "TS"),
    "go": ("Go", "Golang"),
    "rust": ("Rust",),
    "c": ("C", "ANSI C", "Embedded C"),
    "cpp": ("C++", "CPP", "C++17", "C++20", "Modern C++"),
    "csharp": ("C#", "CSharp", "C Sharp"),
    "dotnet": (".NET", "dotnet", ".NET Core", ".NET Framework", "ASP.NET", "ASP.NET Core"),
    "ruby": ("Ruby",),
    "ruby-on-rails": ("Ruby on Rails", "Rails", "RoR"),
    "php": ("PHP",),
    "laravel": ("Laravel",),
    "kotlin": ("Kotlin",),
    "swift": ("Swift", "SwiftUI"),
    "objective-c": ("Objective-C", "ObjC", "Obj-C"),
    "scala": ("Scala",),
    "elixir": ("Elixir",),
    "haskell": ("Haskell",),
    "perl": ("Perl",),
    "r": ("R", "RStudio", "R programming", "R Shiny"),
    "matlab": ("MATLAB",),
    "sql": ("SQL", "T-SQL", "TSQL", "PL/SQL", "ANSI SQL"),
    "bash": ("Bash", "Shell scripting", "Bash scripting", "shell scripts"),
    "powershell": ("PowerShell",),
    "dart": ("Dart",),
    # --- web / frameworks ---
    "nodejs": ("Node.js", "NodeJS", "Node"),
    "express": ("Express.js", "ExpressJS"),
    "react": ("React", "React.js", "ReactJS"),
    "react-native": ("React Native",),
    "angular": ("Angular", "AngularJS"),
    "vue": ("Vue.js", "Vue", "VueJS", "Vue 3"),
    "nextjs": ("Next.js", "NextJS"),
    "svelte": ("Svelte", "SvelteKit"),
    "redux": ("Redux",),
    "html": ("HTML", "HTML5"),
    "css": ("CSS", "CSS3", "SCSS", "Sass"),
    "tailwind": ("Tailwind CSS", "Tailwind", "TailwindCSS"),
    "jquery": ("jQuery",),
    "django": ("Django", "Django REST Framework", "DRF"),
    "flask": ("Flask",),
    "fastapi": ("FastAPI",),
    "spring": ("Spring", "Spring Boot", "Spring Framework", "SpringBoot"),
    "hibernate": ("Hibernate",),
    "graphql": ("GraphQL",),
    "rest-api": ("REST APIs", "REST API", "RESTful APIs", "RESTful", "REST"),
    "grpc": ("gRPC",),
    "microservices": ("Microservices", "microservice architecture"),
    "webpack": ("Webpack",),
    "flutter": ("Flutter",),
    "android": ("Android", "Android SDK"),
    "ios": ("iOS", "iOS development"),
    "jetpack-compose": ("Jetpack Compose",),
    "unity": ("Unity3D", "Unity 3D", "Unity engine"),
    # --- data stores / messaging ---
    "postgresql": ("PostgreSQL", "Postgres", "psql"),
    "mysql": ("MySQL", "MariaDB"),
    "mongodb": ("MongoDB", "Mongo"),
    "redis": ("Redis",),
    "elasticsearch": ("Elasticsearch", "Elastic Search", "OpenSearch"),
    "cassandra": ("Cassandra", "Apache Cassandra"),
    "dynamodb": ("DynamoDB",),
    "sqlite": ("SQLite",),
    "sql-server": ("SQL Server", "MSSQL", "Microsoft SQL Server"),
    "oracle-db": ("Oracle Database", "Oracle DB", "Oracle SQL"),
    "kafka": ("Kafka", "Apache Kafka"),
    "rabbitmq": ("RabbitMQ",),
    # --- practices / tools ---
    "git": ("Git", "version control"),
    "github": ("GitHub",),
    "gitlab": ("GitLab",),
    "ci-cd": (
        "CI/CD",
        "CICD",
        "continuous integration",
        "continuous delivery",
        "continuous deployment",
    ),
    "jenkins": ("Jenkins",),
    "github-actions": ("GitHub Actions",),
    "unit-testing": ("Unit testing", "unit tests", "automated testing", "test automation"),
    "tdd": ("TDD", "test-driven development"),
    "jest": ("Jest",),
    "cypress": ("Cypress",),
    "selenium": ("Selenium",),
    "pytest": ("pytest",),
    "junit": ("JUnit",),
    "system-design": ("System design", "systems design", "software architecture"),
    "distributed-systems": ("Distributed systems",),
    "algorithms": ("Data structures and algorithms", "algorithms", "data structures"),
    "oauth": ("OAuth", "OAuth2", "OpenID Connect", "OIDC"),
    "websockets": ("WebSockets", "WebSocket"),
    "agile": ("Agile", "Agile methodologies", "agile development"),
    "scrum": ("Scrum", "Scrum master"),
    "kanban": ("Kanban",),
    "jira": ("Jira", "JIRA Software"),
    "confluence": ("Confluence",),
    "code-review": ("Code review", "code reviews"),
    # --- cloud / devops ---
    "aws": ("AWS", "Amazon Web Services"),
    "gcp": ("GCP", "Google Cloud", "Google Cloud Platform"),
    "azure": ("Azure", "Microsoft Azure"),
    "docker": ("Docker", "containers", "containerization"),
    "kubernetes": ("Kubernetes", "K8s", "EKS", "GKE", "AKS"),
    "terraform": ("Terraform",),
    "ansible": ("Ansible",),
    "helm": ("Helm", "Helm charts"),
    "prometheus": ("Prometheus",),
    "grafana": ("Grafana",),
    "datadog": ("Datadog",),
    "splunk": ("Splunk",),
    "elk-stack": ("ELK stack", "ELK", "Logstash", "Kibana"),
    "nginx": ("Nginx",),
    "linux": ("Linux", "Unix", "Ubuntu", "RHEL"),
    "argocd": ("Argo CD", "ArgoCD"),
    "cloudformation": ("CloudFormation",),
    "pulumi": ("Pulumi",),
    "serverless": ("Serverless", "AWS Lambda", "Lambda functions"),
    "sre": ("Site reliability engineering", "SRE"),
    "observability": ("Observability", "monitoring and alerting"),
    "incident-management": (
        "Incident management",
        "on-call rotation",
        "on-call rotations",
        "incident postmortems",
    ),
    "networking": ("Computer networking", "TCP/IP", "DNS", "load balancing", "VPC networking"),
    "infrastructure-as-code": ("Infrastructure as code", "IaC"),
    "vault": ("HashiCorp Vault",),
    # --- data ---
    "pandas": ("pandas",),
    "numpy": ("NumPy",),
    "spark": ("Spark", "Apache Spark", "PySpark", "Spark SQL"),
    "hadoop": ("Hadoop", "HDFS", "Hive"),
    "airflow": ("Airflow", "Apache Airflow"),
    "dbt": ("dbt", "data build tool"),
    "snowflake": ("Snowflake",),
    "bigquery": ("BigQuery",),
    "redshift": ("Redshift", "Amazon Redshift"),
    "databricks": ("Databricks",),
    "tableau": ("Tableau",),
    "power-bi": ("Power BI", "PowerBI", "DAX"),
    "looker": ("Looker", "LookML", "Looker Studio"),
    "data-visualization": (
        "Data visualization",
        "data visualisation",
        "dashboards",
        "dashboarding",
    ),
    "statistics": (
        "Statistics",
        "statistical analysis",
        "statistical modeling",
        "statistical modelling",
        "hypothesis testing",
    ),
    "etl": ("ETL", "ELT", "ETL pipelines", "data pipelines", "data pipeline"),
    "data-modeling": ("Data modeling", "data modelling", "dimensional modeling", "star schema"),
    "data-warehousing": ("Data warehousing", "data warehouse", "data lakehouse"),
    "ab-testing": ("A/B testing", "A/B tests", "AB testing", "split testing", "experimentation"),
    "regression-analysis": ("Regression analysis", "linear regression", "logistic regression"),
    "time-series": ("Time series", "time-series analysis", "time series forecasting"),
    "data-governance": ("Data governance", "data quality", "data lineage"),
    "sas": ("SAS",),
    "spss": ("SPSS",),
    "stata": ("Stata",),
    "excel": ("Excel", "Microsoft Excel", "MS Excel", "spreadsheets", "VLOOKUP", "pivot tables"),
    "google-sheets": ("Google Sheets",),
    "jupyter": ("Jupyter", "Jupyter notebooks"),
    # --- machine learning ---
    "machine-learning": ("Machine learning", "ML"),
    "deep-learning": ("Deep learning", "neural networks"),
    "pytorch": ("PyTorch", "Torch"),
    "tensorflow": ("TensorFlow", "TF2"),
    "keras": ("Keras",),
    "scikit-learn": ("scikit-learn", "sklearn", "scikit learn"),
    "xgboost": ("XGBoost", "LightGBM", "gradient boosting"),
    "nlp": ("NLP", "natural language processing"),
    "computer-vision": ("Computer vision", "image recognition", "OpenCV"),
    "llm": ("LLMs", "large language models", "LLM", "generative AI", "GenAI", "GPT"),
    "rag": (
        "RAG",
        "retrieval-augmented generation",
        "retrieval augmented generation",
        "vector databases",
    ),
    "langchain": ("LangChain", "LlamaIndex"),
    "hugging-face": ("Hugging Face", "HuggingFace"),
    "mlops": ("MLOps", "model deployment", "model serving"),
    "mlflow": ("MLflow",),
    "kubeflow": ("Kubeflow",),
    "feature-engineering": ("Feature engineering",),
    "recommender-systems": (
        "Recommender systems",
        "recommendation systems",
        "recommendation engines",
    ),
    "reinforcement-learning": ("Reinforcement learning",),
    "cuda": ("CUDA",),
    # --- security ---
    "penetration-testing": ("Penetration testing", "pen testing", "pentesting", "ethical hacking"),
    "siem": ("SIEM",),
    "soc": ("Security operations", "SOC analyst", "security operations center"),
    "vulnerability-management": (
        "Vulnerability management",
        "vulnerability assessment",
        "vulnerability scanning",
    ),
    "threat-modeling": ("Threat modeling", "threat modelling"),
    "incident-response": ("Incident response", "DFIR", "digital forensics"),
    "iam": ("Identity and access management", "IAM", "Okta", "Active Directory"),
    "owasp": ("OWASP", "OWASP Top 10", "application security", "AppSec"),
    "iso-27001": ("ISO 27001", "ISO/IEC 27001"),
    "soc2": ("SOC 2", "SOC2"),
    "nist": ("NIST", "NIST CSF", "NIST 800-53"),
    "network-security": ("Network security", "firewalls", "IDS/IPS"),
    "cloud-security": ("Cloud security",),
    "cryptography": ("Cryptography", "encryption", "PKI"),
    "burp-suite": ("Burp Suite",),
    "wireshark": ("Wireshark",),
    "cissp": ("CISSP",),
    # --- design ---
    "figma": ("Figma", "FigJam"),
    "sketch": ("Sketch",),
    "adobe-xd": ("Adobe XD",),
    "photoshop": ("Photoshop", "Adobe Photoshop"),
    "illustrator": ("Illustrator", "Adobe Illustrator"),
    "indesign": ("InDesign", "Adobe InDesign"),
    "after-effects": ("After Effects", "Adobe After Effects"),
    "adobe-creative-suite": ("Adobe Creative Suite", "Adobe Creative Cloud", "Adobe CC"),
    "ui-design": ("UI design", "user interface design", "visual design"),
    "ux-design": ("UX design", "user experience design", "UX", "UI/UX"),
    "user-research": ("User research", "UX research", "user interviews"),
    "usability-testing": ("Usability testing", "user testing"),
    "wireframing": ("Wireframing", "wireframes"),
    "prototyping": ("Prototyping", "prototypes", "interactive prototypes"),
    "design-systems": ("Design systems", "design system", "component libraries"),
    "interaction-design": ("Interaction design",),
    "typography": ("Typography",),
    "information-architecture": ("Information architecture",),
    "accessibility": (
        "Web accessibility",
        "WCAG",
        "a11y",
        "accessibility standards",
        "accessible design",
    ),
    "motion-design": ("Motion design", "motion graphics", "animation"),
    "3d-modeling": ("3D modeling", "3D modelling", "Blender", "Cinema 4D"),
    "journey-mapping": ("Journey mapping", "customer journey mapping", "user journeys", "personas"),
    "branding": ("Branding", "brand identity", "brand design"),
    # --- product ---
    "product-management": ("Product management",),
    "roadmapping": ("Roadmapping", "product roadmap", "roadmaps", "roadmap planning"),
    "product-strategy": ("Product strategy", "product vision"),
    "user-stories": ("User stories", "acceptance criteria"),
    "backlog-management": ("Backlog management", "backlog grooming", "backlog refinement"),
    "requirements-gathering": (
        "Requirements gathering",
        "requirements analysis",
        "business requirements",
        "PRDs",
        "PRD",
    ),
    "stakeholder-management": (
        "Stakeholder management",
        "stakeholder communication",
        "cross-functional collaboration",
    ),
    "okrs": ("OKRs", "objectives and key results", "KPIs"),
    "product-analytics": ("Product analytics", "Amplitude", "Mixpanel", "Heap analytics"),
    "customer-discovery": ("Customer discovery", "discovery interviews", "continuous discovery"),
    "prioritization": ("Prioritization", "prioritisation", "RICE"),
    "go-to-market": ("Go-to-market", "GTM strategy", "GTM", "product launches"),
    "pricing": ("Pricing strategy", "pricing and packaging", "monetization"),
    # --- marketing ---
    "seo": ("SEO", "search engine optimization", "search engine optimisation", "technical SEO"),
    "sem": ("SEM", "search engine marketing", "paid search"),
    "ppc": ("PPC", "pay-per-click", "paid media"),
    "google-ads": ("Google Ads", "Google AdWords", "AdWords"),
    "meta-ads": ("Meta Ads", "Facebook Ads", "Facebook Ads Manager", "Instagram Ads"),
    "google-analytics": ("Google Analytics", "GA4", "Google Tag Manager", "GTM tags"),
    "content-marketing": ("Content marketing", "content strategy"),
    "copywriting": ("Copywriting", "copy writing", "copyediting"),
    "email-marketing": (
        "Email marketing",
        "email campaigns",
        "lifecycle marketing",
        "CRM marketing",
    ),
    "marketing-automation": ("Marketing automation",),
    "marketo": ("Marketo", "Adobe Marketo"),
    "mailchimp": ("Mailchimp", "Klaviyo"),
    "social-media-marketing": (
        "Social media marketing",
        "social media management",
        "social media campaigns",
        "community management",
    ),
    "brand-management": ("Brand management", "brand strategy", "brand marketing"),
    "product-marketing": ("Product marketing", "positioning and messaging", "product positioning"),
    "market-research": ("Market research", "competitive analysis", "competitor analysis"),
    "growth-marketing": ("Growth marketing", "growth hacking", "user acquisition"),
    "performance-marketing": ("Performance marketing", "paid acquisition", "paid social"),
    "cro": (
        "Conversion rate optimization",
        "conversion rate optimisation",
        "CRO",
        "landing page optimization",
    ),
    "affiliate-marketing": ("Affiliate marketing", "partner marketing"),
    "public-relations": ("Public relations", "PR campaigns", "media relations"),
    "event-marketing": ("Event marketing", "event management", "events and trade shows"),
    "demand-generation": ("Demand generation", "demand gen", "lead nurturing"),
    "hubspot": ("HubSpot",),
    "marketing-analytics": ("Marketing analytics", "attribution modeling", "marketing attribution"),
    # --- sales ---
    "b2b-sales": ("B2B sales", "enterprise sales", "B2B SaaS sales", "SaaS sales"),
    "lead-generation": ("Lead generation", "lead gen", "outbound prospecting"),
    "prospecting": ("Prospecting", "cold calling", "cold outreach", "cold emailing"),
    "negotiation": ("Negotiation", "contract negotiation", "negotiating"),
    "account-management": (
        "Account management",
        "key account management",
        "client relationship management",
    ),
    "pipeline-management": ("Pipeline management", "sales pipeline", "sales forecasting"),
    "crm": ("CRM", "CRM software", "customer relationship management"),
    "salesforce": ("Salesforce", "Salesforce CRM", "SFDC", "Sales Cloud"),
    "salesloft": ("Salesloft", "Outreach.io"),
    "gong": ("Gong",),
    "solution-selling": ("Solution selling", "consultative selling", "value selling"),
    "meddic": ("MEDDIC", "MEDDPICC"),
    "territory-management": ("Territory management", "territory planning"),
    "customer-success": ("Customer success", "customer retention", "churn reduction"),
    "upselling": ("Upselling", "cross-selling", "upsell", "expansion revenue"),
    "channel-sales": ("Channel sales", "partner sales", "reseller management"),
    "sales-presentations": ("Sales presentations", "product demos", "product demonstrations"),
    "quota-attainment": ("Quota attainment", "quota carrying", "closing deals"),
    # --- finance / accounting ---
    "financial-reporting": ("Financial reporting", "financial statements", "management reporting"),
    "financial-modeling": ("Financial modeling", "financial modelling", "3-statement models"),
    "fpa": ("FP&A", "financial planning and analysis", "financial planning & analysis"),
    "budgeting": ("Budgeting", "budget management", "budget planning"),
    "forecasting": ("Forecasting", "rolling forecasts", "demand forecasting"),
    "gaap": ("GAAP", "US GAAP"),
    "ifrs": ("IFRS",),
    "accounts-payable": ("Accounts payable", "AP processing", "invoice processing"),
    "accounts-receivable": ("Accounts receivable", "collections management", "AR management"),
    "reconciliation": (
        "Account reconciliation",
        "bank reconciliations",
        "reconciliations",
        "reconciliation",
    ),
    "general-ledger": ("General ledger", "journal entries", "GL accounting"),
    "month-end-close": (
        "Month-end close",
        "month end close",
        "month-end closing",
        "year-end close",
    ),
    "auditing": ("Auditing", "internal audit", "external audit", "audit engagements"),
    "tax": ("Tax compliance", "tax preparation", "corporate tax", "VAT returns"),
    "variance-analysis": ("Variance analysis", "budget vs actuals"),
    "valuation": ("Valuation", "DCF", "discounted cash flow"),
    "quickbooks": ("QuickBooks", "QuickBooks Online", "QBO"),
    "netsuite": ("NetSuite", "Oracle NetSuite"),
    "sap": ("SAP", "SAP S/4HANA", "SAP ERP", "SAP FICO"),
    "xero": ("Xero",),
    "bloomberg-terminal": ("Bloomberg Terminal", "Bloomberg"),
    "risk-management": ("Risk management", "risk assessment", "credit risk", "market risk"),
    "treasury": ("Treasury", "cash management", "cash flow management"),
    "cpa": ("CPA", "Certified Public Accountant", "ACCA", "CIMA", "Chartered Accountant"),
    "cfa": ("CFA", "Chartered Financial Analyst"),
    "sox-compliance": ("SOX compliance", "Sarbanes-Oxley", "SOX"),
    "cost-accounting": ("Cost accounting", "management accounting"),
    "payroll": ("Payroll", "payroll processing", "ADP"),
    "erp": ("ERP", "ERP systems", "enterprise resource planning"),
    # --- HR / recruiting ---
    "talent-acquisition": (
        "Talent acquisition",
        "technical recruiting",
        "recruiting strategy",
        "full-cycle recruiting",
        "full cycle recruiting",
    ),
    "sourcing": ("Candidate sourcing", "talent sourcing", "Boolean search", "sourcing"),
    "interviewing": ("Interviewing", "structured interviews", "competency-based interviews"),
    "onboarding": ("Onboarding", "employee onboarding"),
    "employee-relations": ("Employee relations", "employee engagement"),
    "compensation-benefits": (
        "Total rewards",
        "benefits administration",
        "comp and ben",
        "compensation and benefits administration",
    ),
    "hris": ("HRIS", "HR information systems", "BambooHR", "HiBob"),
    "workday": ("Workday", "Workday HCM"),
    "ats": ("Applicant tracking systems", "ATS", "Greenhouse ATS", "Lever ATS", "Ashby ATS"),
    "performance-management": ("Performance management", "performance reviews"),
    "employment-law": ("Employment law", "labor law", "labour law", "employment legislation"),
    "linkedin-recruiter": ("LinkedIn Recruiter",),
    "employer-branding": ("Employer branding", "employer brand"),
    "dei": ("DEI", "DE&I", "DEI programs", "diversity and inclusion programs"),
    "learning-development": (
        "Learning and development",
        "L&D",
        "training programs",
        "training and development",
    ),
    "workforce-planning": ("Workforce planning", "headcount planning"),
    # --- healthcare ---
    "patient-care": (
        "Patient care",
        "patient-centered care",
        "patient-centred care",
        "direct patient care",
    ),
    "bls": ("BLS", "Basic Life Support"),
    "acls": ("ACLS", "Advanced Cardiac Life Support"),
    "cpr": ("CPR", "CPR certification", "First Aid/CPR"),
    "ehr": ("EHR", "EMR", "electronic health records", "electronic medical records"),
    "epic": ("Epic", "Epic Systems", "Epic EHR", "Cerner"),
    "phlebotomy": ("Phlebotomy", "venipuncture", "blood draws"),
    "medication-administration": (
        "Medication administration",
        "administering medications",
        "medication management",
    ),
    "triage": ("Triage",),
    "wound-care": ("Wound care", "wound management", "dressing changes"),
    "hipaa": ("HIPAA", "patient confidentiality"),
    "medical-coding": ("Medical coding", "ICD-10", "CPT coding", "clinical coding"),
    "medical-billing": ("Medical billing", "revenue cycle management", "insurance claims"),
    "vital-signs": ("Vital signs", "vitals monitoring"),
    "infection-control": ("Infection control", "infection prevention"),
    "care-planning": ("Care planning", "care plans", "care coordination"),
    "iv-therapy": ("IV therapy", "IV insertion", "intravenous therapy"),
    "telemetry": ("Cardiac telemetry", "cardiac monitoring", "telemetry nursing", "telemetry unit"),
    "clinical-documentation": ("Clinical documentation", "charting"),
    "rn-license": ("RN license", "Registered Nurse license", "NCLEX", "NCLEX-RN", "NMC PIN"),
    "physical-therapy": ("Physical therapy", "physiotherapy", "rehabilitation"),
    "pharmacology": ("Pharmacology",),
    "mental-health": (
        "Mental health counseling",
        "mental health support",
        "behavioral health",
        "behavioural health",
        "CBT",
        "cognitive behavioral therapy",
    ),
    "telehealth": ("Telehealth", "telemedicine"),
    "medical-terminology": ("Medical terminology",),
    # --- customer support ---
    "customer-service": ("Customer service", "customer support", "client support"),
    "zendesk": ("Zendesk",),
    "freshdesk": ("Freshdesk",),
    "intercom": ("Intercom",),
    "servicenow": ("ServiceNow",),
    "troubleshooting": ("Troubleshooting", "technical troubleshooting", "root cause analysis"),
    "live-chat": ("Live chat", "chat support"),
    "ticketing-systems": (
        "Ticketing systems",
        "ticket management",
        "help desk software",
        "helpdesk",
    ),
    "csat": ("CSAT", "NPS", "customer satisfaction", "Net Promoter Score"),
    "escalation-management": ("Escalation management", "handling escalations", "escalations"),
    "knowledge-base": ("Knowledge base", "help center articles", "knowledge management"),
    "itil": ("ITIL", "ITSM"),
    "conflict-resolution": ("Conflict resolution", "de-escalation"),
    "call-center": (
        "Call center",
        "call centre",
        "contact center",
        "contact centre",
        "inbound calls",
    ),
    # --- operations / logistics ---
    "supply-chain-management": ("Supply chain management", "supply chain", "SCM"),
    "inventory-management": ("Inventory management", "inventory control", "stock control"),
    "procurement": ("Procurement", "purchasing", "strategic sourcing"),
    "logistics": ("Logistics", "freight", "transportation management", "3PL"),
    "warehouse-management": ("Warehouse management", "WMS", "warehouse operations"),
    "forklift": ("Forklift", "forklift certification", "forklift license"),
    "demand-planning": ("Demand planning", "S&OP", "sales and operations planning"),
    "vendor-management": (
        "Vendor management",
        "supplier management",
        "supplier relationship management",
    ),
    "project-management": ("Project management", "project planning", "project delivery"),
    "pmp": ("PMP", "PRINCE2", "Project Management Professional"),
    "process-improvement": (
        "Process improvement",
        "continuous improvement",
        "process optimization",
        "process optimisation",
        "Kaizen",
    ),
    "lean": ("Lean", "Lean manufacturing", "lean principles", "5S"),
    "six-sigma": ("Six Sigma", "Lean Six Sigma", "DMAIC"),
    "import-export": ("Import/export", "customs compliance", "customs clearance", "incoterms"),
    "fleet-management": ("Fleet management", "route planning", "route optimization", "dispatching"),
    "osha": ("OSHA", "health and safety", "workplace safety", "HSE"),
    "quality-assurance": ("Quality assurance", "QA", "quality control", "QA/QC"),
    "operations-management": ("Operations management", "business operations"),
    "contract-management": ("Contract management", "contract administration"),
    # --- legal ---
    "contract-drafting": (
        "Contract drafting",
        "drafting contracts",
        "commercial contracts",
        "contract review",
    ),
    "legal-research": ("Legal research", "case law research"),
    "litigation": ("Litigation", "dispute resolution", "civil litigation"),
    "regulatory-compliance": (
        "Regulatory compliance",
        "compliance monitoring",
        "regulatory affairs",
    ),
    "gdpr": ("GDPR", "data protection", "CCPA", "data privacy"),
    "intellectual-property": ("Intellectual property", "IP law", "patents", "trademarks"),
    "due-diligence": ("Due diligence",),
    "corporate-law": ("Corporate law", "corporate governance", "M&A", "mergers and acquisitions"),
    "westlaw": ("Westlaw",),
    "lexisnexis": ("LexisNexis", "Lexis"),
    "ediscovery": ("eDiscovery", "e-discovery", "Relativity"),
    "legal-writing": ("Legal writing", "legal drafting", "memoranda"),
    "aml-kyc": ("AML", "KYC", "anti-money laundering", "know your customer"),
    # --- education ---
    "curriculum-development": ("Curriculum development", "curriculum design", "course design"),
    "lesson-planning": ("Lesson planning", "lesson plans"),
    "classroom-management": ("Classroom management", "behaviour management", "behavior management"),
    "instructional-design": ("Instructional design", "ADDIE", "learning design"),
    "elearning": (
        "E-learning",
        "eLearning",
        "online learning",
        "Articulate Storyline",
        "Articulate 360",
    ),
    "lms": ("LMS", "learning management systems", "Moodle", "Canvas LMS", "Blackboard"),
    "special-education": (
        "Special education",
        "SEN",
        "SEND",
        "IEPs",
        "individualized education programs",
    ),
    "esl": ("ESL", "TEFL", "TESOL", "CELTA", "English as a second language"),
    "tutoring": ("Tutoring", "one-to-one tuition", "private tutoring"),
    "student-assessment": (
        "Student assessment",
        "formative assessment",
        "grading",
        "assessment design",
    ),
    "differentiated-instruction": ("Differentiated instruction", "differentiated learning"),
    "stem-education": ("STEM education", "STEM teaching"),
    "teaching-license": (
        "Teaching license",
        "teaching licence",
        "QTS",
        "PGCE",
        "teaching certification",
    ),
    # --- general business / office ---
    "powerpoint": ("PowerPoint", "Microsoft PowerPoint", "slide decks"),
    "microsoft-office": (
        "Microsoft Office",
        "MS Office",
        "Microsoft 365",
        "Office 365",
        "Microsoft Word",
        "MS Word",
        "Microsoft Outlook",
    ),
    "google-workspace": ("Google Workspace", "G Suite", "GSuite"),
    "data-entry": ("Data entry",),
    "people-management": (
        "People management",
        "team leadership",
        "managing teams",
        "line management",
        "mentoring",
    ),
    "public-speaking": ("Public speaking", "presentation skills"),
    "business-analysis": ("Business analysis", "business analytics", "gap analysis"),
    "change-management": ("Change management", "organizational change", "organisational change"),
    "budget-ownership": ("P&L management", "P&L ownership", "P&L responsibility"),
}
"""Canonical skill id -> aliases; the first alias is the display name."""

# Aliases that are ordinary English words (or names) in lower case: they match only as
# written here or in capitals, so "react quickly", "at the helm" or "send" never count.
_CASE_SENSITIVE: frozenset[str] = frozenset(
    {
        "React",
        "Spark",
        "Swift",
        "Sketch",
        "Helm",
        "Bash",
        "Ruby",
        "Rails",
        "Epic",
        "Flask",
        "Intercom",
        "Lean",
        "Rust",
        "Dart",
        "Node",
        "Spring",
        "REST",
        "Gong",
        "Mongo",
        "Torch",
        "Hive",
        "Lexis",
        "Jest",
        "Cypress",
        "Elixir",
        "Confluence",
        "Relativity",
        "Amplitude",
        "Blackboard",
        "Excel",
        "RAG",
        "SEND",
        "SEN",
        "ML",
        "TS",
        "SOX",
        "SAP",
        "SAS",
        "RICE",
        "ELK",
        "GTM",
        "GPT",
        "Unix",
        "DAX",
        "ADP",
        "Bloomberg",
        "Treasury",
        "Kaizen",
        "ATS",
        "Heap analytics",
        "Vue",
        "PR campaigns",
        "QA",
        "NPS",
        "SCM",
        "AR management",
        "AP processing",
        "KPIs",
        "CRM",
        "IAM",
        "EKS",
        "GKE",
        "AKS",
        "ELT",
        "IaC",
        "HSE",
    }
)

# Short or ambiguous names that count only in a list or programming context, and the skill
# each stands for: "Python, R and SQL", "written in Go", "C/C++", "excel, word".
_CONTEXT_ALIASES: dict[str, str] = {
    "Go": "go",
    "R": "r",
    "C": "c",
    "excel": "excel",
    "react": "react",
    "spark": "spark",
}
_LIST_SEP = r"[,/|(:;•·]"
_CONTEXT_WORDS = r"(?:programming|language|developers?|engineers?|services|microservices|code)"
_AFTER_LIST = rf"(?=\s?(?:[,/|);]|\s(?:and|or)\s)|\s{_CONTEXT_WORDS}\b|\.?\s*$)"
_NOT_WORD_AFTER = r"(?![\w+#&'’•\-]|\.\w)"
_LEFT_BOUNDARY = r"(?<![\w+#.@$&])"
_RIGHT_BOUNDARY = r"(?![\w+#@&]|\.\w)"
_GAP = "\x00"  # stands for a run of spaces/hyphens between the words of an alias


def _context_pattern(token: str, *, strict: bool) -> str:
    """Regex for a short skill name that only counts in a list or programming context.

    Left context ("Python, R", "in Go", "C/C++") always counts; a list separator after it
    ("R, Python") counts unless `strict` (a lone "C," is too often "Schedule C, ...").
    The token comes first and the context is checked behind it, so that the regex engine
    rejects every other position at the first character (ten times faster).
    """
    t = re.escape(token)
    left = "|".join(
        f"(?<={ctx}{t})"
        for ctx in (_LIST_SEP, _LIST_SEP + r"\s", r"\band\s", r"\bor\s", r"\bin\s", r"\bwith\s")
    )
    if token.islower():
        # "excel", "react", "spark" are verbs/nouns in prose: only a list around them counts.
        return rf"{t}(?:(?<={_LIST_SEP}{t})|(?<={_LIST_SEP}\s{t}))(?=\s?[,/|);])"
    after = rf"(?=\s{_CONTEXT_WORDS}\b|/C\+\+)" if strict else _AFTER_LIST
    return (
        rf"{t}(?:(?:{left}){_NOT_WORD_AFTER}(?!\))"
        rf"|(?<![\w.\-(]{t}){_NOT_WORD_AFTER}{after})"
    )


def _key(alias: str) -> str:
    """Lookup key of an alias or matched text: lower case, space/hyphen runs made one space."""
    return re.sub(r"[\s\-]+", " ", alias.strip().lower())


def _trie_regex(words: list[str]) -> str:
    """Regex alternation of `words` factored into a prefix trie (fast for 1,000+ words)."""
    trie: dict[str, dict] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def atom(ch: str) -> str:
        # A hyphen or spaces, or one line break (wrapped text), never a new list item.
        return r"(?:[^\S\n]*-[^\S\n]*|[^\S\n]+|\n)" if ch == _GAP else re.escape(ch)

    def render(node: dict[str, dict]) -> str:
        branches = [atom(ch) + render(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        # Greedy optional tail: the longer alias is tried first ("c++17" before "c++").
        return f"(?:{body})?" if "" in node else body

    return render(trie)


@lru_cache(maxsize=1)
def _compiled() -> tuple[re.Pattern[str], dict[str, str]]:
    """The extractor's regex and its matched-text-key -> skill id table (built once)."""
    lookup: dict[str, str] = {}
    insensitive: set[str] = set()
    sensitive: set[str] = set()
    for skill_id, aliases in TAXONOMY.items():
        for alias in aliases:
            key = _key(alias)
            if lookup.get(key, skill_id) != skill_id:
                raise ValueError(f"alias {alias!r} of {skill_id!r} is also {lookup[key]!r}")
            lookup[key] = skill_id
            if alias in _CONTEXT_ALIASES:
                continue
            word = re.sub(r"[\s\-]+", _GAP, alias)
            if alias in _CASE_SENSITIVE:
                sensitive.update({word, word.upper()})
            else:
                insensitive.add(word.lower())
    for token, skill_id in _CONTEXT_ALIASES.items():
        lookup[_key(token)] = skill_id
    context = "|".join(
        _context_pattern(t, strict=len(t) == 1 and t != "R") for t in _CONTEXT_ALIASES
    )
    pattern = (
        f"{_LEFT_BOUNDARY}(?:(?i:{_trie_regex(sorted(insensitive))})"
        f"|{_trie_regex(sorted(sensitive))}){_RIGHT_BOUNDARY}"
        f"|{context}"
    )
    return re.compile(pattern), lookup


def extract(text: str) -> list[str]:
    """Sorted unique canonical skill ids mentioned in `text` (empty list for empty text)."""
    if not text:
        return []
    regex, lookup = _compiled()
    # Markdown escapes ("C\\#", "non\\-traditional") from scraped postings hide names.
    text = text.replace("\\", "")
    found = {
        lookup.get(_key(m.group(0)))
        for m in regex.finditer(text)
        if not _is_season(m, text) and not _is_verb(m, text)
    }
    found.discard(None)
    return sorted(found)  # type: ignore[arg-type]


# "Spring 2026", "the spring semester", "early Spring": the season, not the framework.
_SEASON_AFTER = re.compile(
    r"\s*(?:'?\d{2}\b|\d{4}|semester|term|break|quarter|season|intake|cohort|internship|"
    r"co-?op|/\s*summer|and summer|-\s*summer|recruiting|hiring|graduat)",
    re.I,
)
_SEASON_BEFORE = re.compile(r"(?:this|next|last|early|late|mid|in the|by)\s+$", re.I)


# "Excel at communication", "excel in teamwork": the verb, not the spreadsheet.
_VERB_AFTER = re.compile(r"\s+(?:at|in)\s+(?!excel\b)[a-z]", re.I)


_VERB_BEFORE = re.compile(r"(?:^|[.!?;:•\n]\s*|\b(?:i|we|you|to|will|can|they|should)\s+)$", re.I)


def _is_verb(m: re.Match[str], text: str) -> bool:
    """A sentence or a subject before it, "at"/"in" after it: "Excel at communication"."""
    if m.group(0).lower() != "excel" or not _VERB_AFTER.match(text, m.end()):
        return False
    return bool(_VERB_BEFORE.search(text[max(0, m.start() - 16) : m.start()]))


def _is_season(m: re.Match[str], text: str) -> bool:
    if m.group(0).lower() != "spring":
        return False
    after, before = text[m.end() : m.end() + 24], text[max(0, m.start() - 12) : m.start()]
    return bool(_SEASON_AFTER.match(after) or _SEASON_BEFORE.search(before))


def display(skill_id: str) -> str:
    """Display name of a canonical skill id; raises KeyError naming the id when unknown."""
    try:
        return TAXONOMY[skill_id][0]
    except KeyError:
        raise KeyError(f"unknown skill id {skill_id!r}") from None
