--
-- PostgreSQL database dump
--

\restrict panscanFixtureDumpKey

-- Dumped from database version 15.18 (Debian 15.18-0+deb12u1)
-- Dumped by pg_dump version 15.18 (Debian 15.18-0+deb12u1)

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- Name: customers; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.customers (
    id integer NOT NULL,
    name text,
    email text,
    card_number character varying(25),
    card_expiry character varying(5),
    cvv character varying(4),
    notes text
);


ALTER TABLE public.customers OWNER TO postgres;

--
-- Name: events; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.events (
    id integer NOT NULL,
    payload text
);


ALTER TABLE public.events OWNER TO postgres;

--
-- Name: orders; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.orders (
    order_id integer NOT NULL,
    customer_id integer,
    amount numeric(10,2),
    pan text,
    created_at timestamp without time zone
);


ALTER TABLE public.orders OWNER TO postgres;

--
-- Name: payment_tokens; Type: TABLE; Schema: public; Owner: postgres
--

CREATE TABLE public.payment_tokens (
    token_id integer NOT NULL,
    token text,
    security_code text
);


ALTER TABLE public.payment_tokens OWNER TO postgres;

--
-- Data for Name: customers; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.customers (id, name, email, card_number, card_expiry, cvv, notes) FROM stdin;
1	Alice Martin	alice.martin@example.com	\N	\N	\N	\N
2	Bruno Keller	bruno.keller@example.org	4917802634159274	12/27	418	prefers email
3	Chloe Durand	chloe.durand@example.net	\N	\N	\N	O'Brien, "VIP"\t(call)
4	Dmitri Orlov	dmitri.orlov@example.com	\N	\N	\N	card removed on request
5	Emma Stone	emma.stone@example.org	5371428609533180	08/26	072	\N
6	Farid Haddad	farid.haddad@example.net	\N	\N	\N	\N
\.


--
-- Data for Name: events; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.events (id, payload) FROM stdin;
1	{"payment":{"card":{"number":"6011743920581633","exp":"11/26"}}}
\.


--
-- Data for Name: orders; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.orders (order_id, customer_id, amount, pan, created_at) FROM stdin;
101	1	19.99	\N	2024-03-01 10:15:00
102	2	250.00	\N	2024-03-02 11:30:00
103	3	1234.50	374691205837416	2024-03-03 12:45:00
104	5	75.25	476173******0119	2024-03-04 09:00:00
105	6	5.00	\N	2024-03-05 18:20:00
\.


--
-- Data for Name: payment_tokens; Type: TABLE DATA; Schema: public; Owner: postgres
--

COPY public.payment_tokens (token_id, token, security_code) FROM stdin;
1	tok_7Hq2LmXw9RzA	\N
2	tok_3Vn8KpYe5TcB	\N
\.


--
-- Name: customers customers_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.customers
    ADD CONSTRAINT customers_pkey PRIMARY KEY (id);


--
-- Name: events events_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.events
    ADD CONSTRAINT events_pkey PRIMARY KEY (id);


--
-- Name: orders orders_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.orders
    ADD CONSTRAINT orders_pkey PRIMARY KEY (order_id);


--
-- Name: payment_tokens payment_tokens_pkey; Type: CONSTRAINT; Schema: public; Owner: postgres
--

ALTER TABLE ONLY public.payment_tokens
    ADD CONSTRAINT payment_tokens_pkey PRIMARY KEY (token_id);


--
-- PostgreSQL database dump complete
--

\unrestrict panscanFixtureDumpKey

